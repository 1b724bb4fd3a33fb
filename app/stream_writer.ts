import { type AnyEvent, ConcurrencyError, foldWith } from "../domain/mod.ts";
import type { RequestContext } from "./context.ts";
import type { AggregateOf } from "./aggregate.ts";
import { covers, type Loaded, loadStream, toNewEvents } from "./handle_command.ts";
import type { WriteResult } from "./messages.ts";
import type { EventStore, NewEvent } from "./ports.ts";
import { type Background, backgroundTasks } from "./background.ts";
import { crossesMultiple, moveSnapshotForward, type Snapshotting } from "./snapshots.ts";

/**
 * Past this many entries changed since its snapshot, a state held in part is
 * read again for a missing entry rather than given just that entry.
 */
const CHANGED_ENTRIES = 4096;

/** A command's result, with what `answer` read of the state right after its own events. */
export type Written<A> = WriteResult & { readonly answer: A };

/** One command of a stream, waiting for its turn. */
type Queued<C, A> = {
  command: C;
  ctx: RequestContext;
  /** The stream id was minted for this command: there is nothing to read. */
  fresh: boolean;
  resolve(result: Written<A>): void;
  reject(error: unknown): void;
};

/** Runs a command on its stream, as `handleCommand` does, but one writer per stream. */
export type StreamWriter<C, A> = {
  run(
    options: { streamId: string; command: C; ctx: RequestContext; fresh?: boolean },
  ): Promise<Written<A>>;
  /** States this process holds, for tests and metrics. */
  readonly cachedStreams: () => number;
};

/**
 * A single writer per stream inside this process. Commands for one stream
 * queue up; the writer takes all that wait (up to `maxBatch`), loads the
 * stream once, decides each command on the state left by the ones before it,
 * and appends all their events in one append expecting the loaded version.
 * So commands of one process never conflict with each other; a conflict means
 * another process wrote the stream, and every command of that batch fails
 * with ConcurrencyError for the mediator to retry (where it is safe to).
 * A command that breaks a rule fails alone; the others of its batch go on.
 *
 * The state after each batch is kept (the last `cachedStreams` streams, least
 * recently used dropped first), and the next batch is decided on it without a
 * read: the append's expected version checks every decision of the batch,
 * refusals and no-ops included. When the batch appends nothing (nothing
 * checks it), the writer reads the events since and decides again. A stream id
 * minted for its command (a new post) is not read at all. A snapshot is read
 * for a stream this process does not hold. For one it holds in part (loaded
 * from a snapshot) whose batch needs entries it lacks, only those entries are
 * read from the snapshot, where no event since changed them; else the stream
 * is loaded again. A write that takes the version across a multiple of the
 * snapshots' `every` moves the snapshot forward in the background.
 *
 * The writer owns the states it keeps and changes them in place
 * (`Decider.applyInPlace`; what `loadStream` returns is a fresh state, or the
 * kept one), so a command costs nothing in the size of its stream's
 * state; what a caller needs of the state after its command is read by
 * `answer` right then. A state changed for a batch whose append failed is
 * dropped, and the stream is loaded again.
 *
 * @example
 * ```ts
 * const posts = streamWriter(store, { aggregate: { decider: postDecider, isEvent: isPostEvent } });
 * await posts.run({ streamId: postStreamId(postId), command, ctx });
 * ```
 */
export function streamWriter<C, E extends AnyEvent, S extends { version: number }, A = undefined>(
  store: EventStore,
  options: {
    aggregate: AggregateOf<C, E, S>;
    snapshots?: Snapshotting<C, E, S>;
    /** What a command's caller gets of the state right after the command's events. */
    answer?: (state: S) => A;
    maxBatch?: number;
    cachedStreams?: number;
    /** Where snapshots are moved forward (default: a tracker of this writer's own). */
    background?: Background;
  },
): StreamWriter<C, A> {
  const { aggregate, snapshots } = options;
  const { decider } = aggregate;
  const maxBatch = options.maxBatch ?? 100;
  const cacheSize = options.cachedStreams ?? 1000;
  const answer = options.answer ?? (() => undefined as A);
  const queues = new Map<string, Queued<C, A>[]>();
  const cache = new Map<string, Loaded<S>>();
  const background = options.background ?? backgroundTasks();
  // Streams whose snapshot is being moved forward, and those to move once more after that.
  const advancing = new Set<string>();
  const again = new Set<string>();

  function remember(streamId: string, loaded: Loaded<S>): void {
    if (cacheSize <= 0) return;
    cache.delete(streamId); // re-inserted last: Map order is the recency order
    cache.set(streamId, loaded);
    const oldest = cache.keys().next();
    if (cache.size > cacheSize && !oldest.done) cache.delete(oldest.value);
  }

  async function drain(streamId: string, queue: Queued<C, A>[]): Promise<void> {
    while (queue.length > 0) {
      await runBatch(streamId, queue.splice(0, maxBatch));
    }
    queues.delete(streamId);
  }

  /**
   * What deciding a batch gave: each command's events or its error. `from` is
   * a state this writer owns (loaded for it, or kept by it): with
   * `Decider.applyInPlace` it is changed in place.
   */
  function decideAll(batch: Queued<C, A>[], from: Loaded<S>) {
    const { applyInPlace } = decider;
    let state = from.state;
    const decided: { queued: Queued<C, A>; after: number; answer: A }[] = [];
    const refused: { queued: Queued<C, A>; error: unknown }[] = [];
    const newEvents: NewEvent[] = [];
    for (const queued of batch) {
      try {
        const events = decider.decide(queued.command, state);
        if (events.length > 0) {
          state = applyInPlace ? applyInPlace(state, events) : foldWith(decider, events, state);
        }
        newEvents.push(...toNewEvents(events, queued.ctx));
        decided.push({ queued, after: newEvents.length, answer: answer(state) });
      } catch (error) {
        refused.push({ queued, error });
      }
    }
    return { decided, refused, newEvents, state };
  }

  async function runBatch(streamId: string, batch: Queued<C, A>[]): Promise<void> {
    try {
      // 1. the state to decide on: kept from this process's last batch (given the snapshot
      //    entries it lacks, if it holds the stream in part), or for a stream id just minted
      //    the initial state, without a read; else loaded once for the batch
      const keys = snapshots ? batch.flatMap((q) => snapshots.shape.keysRead(q.command)) : [];
      const held = cache.get(streamId);
      const kept = held && (covers(held, keys) || await withEntries(streamId, held, keys))
        ? held
        : undefined;
      const assumed = kept ?? (batch.every((q) => q.fresh) ? initial() : null);
      let loaded = assumed ?? await load(streamId, kept, keys);
      let verified = assumed === null;
      for (;;) {
        // The version and position decided on (the state itself changes in place).
        const version = loaded.state.version;
        const lastPosition = loaded.position;
        // 2. decide each command on the state the ones before it left
        const { decided, refused, newEvents, state } = decideAll(batch, loaded);
        if (newEvents.length === 0) {
          // Nothing to append, so nothing checks an unread state (and nothing changed it):
          // decide again on the stream as stored.
          if (!verified) {
            loaded = await load(streamId, kept, keys);
            verified = true;
            continue;
          }
          for (const { queued, error } of refused) queued.reject(error);
          remember(streamId, loaded);
          for (const { queued, answer } of decided) {
            queued.resolve({ streamId, version, position: lastPosition, answer });
          }
          return;
        }
        // 3. one append for the batch, expecting the version decided on
        let appended;
        try {
          appended = await store.append(streamId, newEvents, { expectedVersion: version });
        } catch (error) {
          // The state now holds events that were not appended: it is dropped either way.
          cache.delete(streamId);
          if (verified || !(error instanceof ConcurrencyError)) throw error;
          // Another process wrote since the kept state: load the stream, decide again.
          loaded = await load(streamId, undefined, keys);
          verified = true;
          continue;
        }
        // The append checked the version: the refusals were decided on the stream as stored.
        for (const { queued, error } of refused) queued.reject(error);
        const position = appended.positions.at(-1) ?? lastPosition;
        remember(streamId, { state, position, partial: loaded.partial });
        // 4. each command's result: the version and position after its own events
        for (const { queued, after, answer } of decided) {
          queued.resolve({
            streamId,
            answer,
            version: version + after,
            position: after === 0 ? lastPosition : appended.positions[after - 1],
          });
        }
        // 5. snapshot when the version crossed a multiple of `every`, off the queue
        advanceLater(streamId, version, state.version);
        return;
      }
    } catch (error) {
      // A conflict with a state read for this batch, or a failed load or append: the whole
      // batch failed (rejecting a command already answered changes nothing).
      cache.delete(streamId);
      for (const queued of batch) queued.reject(error);
    }
  }

  /**
   * Moves the stream's snapshot forward in the background when a batch took
   * its version across a multiple of `every`: the stream's next batch does not
   * wait for it (measured: it was the tail of commands on hot posts). One at a
   * time per stream; a crossing meanwhile moves it once more after that.
   */
  function advanceLater(streamId: string, from: number, to: number): void {
    if (!snapshots || !crossesMultiple(snapshots.every, from, to)) return;
    if (advancing.has(streamId)) {
      again.add(streamId);
      return;
    }
    advancing.add(streamId);
    background.run(async () => {
      try {
        do {
          again.delete(streamId);
          await moveSnapshotForward(store, { streamId, aggregate, snapshots });
        } while (again.has(streamId));
      } finally {
        advancing.delete(streamId);
      }
    });
  }

  /**
   * Gives a state held in part the entries `keys` names that it lacks, read
   * from the snapshot alone (no events), when that is exact: no event since
   * the state's snapshot changed them, and the snapshot read is at or after
   * that one and not ahead of the state. False when it is not (the caller
   * reads the stream again).
   */
  async function withEntries(
    streamId: string,
    held: Loaded<S>,
    keys: readonly string[],
  ): Promise<boolean> {
    const { partial } = held;
    if (!partial || !snapshots) return false;
    const missing = keys.filter((key) => !partial.known.has(key));
    if (partial.changed.size > CHANGED_ENTRIES || missing.some((k) => partial.changed.has(k))) {
      return false;
    }
    const snapshot = await snapshots.store.load(streamId, missing).catch(() => null);
    if (
      !snapshot || snapshot.schemaVersion !== snapshots.shape.schemaVersion ||
      snapshot.version < partial.snapshotVersion || snapshot.version > held.state.version
    ) {
      return false;
    }
    try {
      snapshots.shape.addEntries(held.state, snapshot.entries);
    } catch {
      return false;
    }
    for (const key of missing) partial.known.add(key);
    return true;
  }

  function initial(): Loaded<S> {
    return { state: decider.initialState(), position: 0 };
  }

  function load(
    streamId: string,
    kept: Loaded<S> | undefined,
    keys: readonly string[],
  ): Promise<Loaded<S>> {
    return loadStream(store, { streamId, aggregate, snapshots, cached: kept, keys });
  }

  return {
    run({ streamId, command, ctx, fresh = false }) {
      return new Promise<Written<A>>((resolve, reject) => {
        const queued = { command, ctx, fresh, resolve, reject };
        const waiting = queues.get(streamId);
        if (waiting) {
          waiting.push(queued);
          return;
        }
        const queue = [queued];
        queues.set(streamId, queue);
        void drain(streamId, queue);
      });
    },
    cachedStreams: () => cache.size,
  };
}
