import { type AnyEvent, ConcurrencyError, foldWith } from "../domain/mod.ts";
import type { RequestContext } from "./context.ts";
import type { AggregateOf } from "./aggregate.ts";
import { covers, type Loaded, loadStream, toNewEvents } from "./handle_command.ts";
import type { WriteResult } from "./messages.ts";
import type { EventStore, NewEvent } from "./ports.ts";
import { maybeSnapshot, type Snapshotting } from "./snapshots.ts";

/** A command's result and the stream's state right after its own events. */
export type Written<S> = WriteResult & { readonly state: S };

/** One command of a stream, waiting for its turn. */
type Queued<C, S> = {
  command: C;
  ctx: RequestContext;
  /** The stream id was minted for this command: there is nothing to read. */
  fresh: boolean;
  resolve(result: Written<S>): void;
  reject(error: unknown): void;
};

/** Runs a command on its stream, as `handleCommand` does, but one writer per stream. */
export type StreamWriter<C, S> = {
  run(
    options: { streamId: string; command: C; ctx: RequestContext; fresh?: boolean },
  ): Promise<Written<S>>;
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
 * read: the append's expected version checks it. When another process wrote
 * meanwhile (a conflict), or when a command of the batch is refused or changes
 * nothing (no append to check it), the writer reads the events since and
 * decides again. A stream id minted for its command (a new post) is not read
 * at all. A snapshot is read only for a stream this process does not hold, or
 * holds only in part (loaded from a snapshot with other entries than the
 * batch's commands read).
 *
 * @example
 * ```ts
 * const posts = streamWriter(store, { aggregate: { decider: postDecider, isEvent: isPostEvent } });
 * await posts.run({ streamId: postStreamId(postId), command, ctx });
 * ```
 */
export function streamWriter<C, E extends AnyEvent, S extends { version: number }>(
  store: EventStore,
  options: {
    aggregate: AggregateOf<C, E, S>;
    snapshots?: Snapshotting<C, E, S>;
    maxBatch?: number;
    cachedStreams?: number;
  },
): StreamWriter<C, S> {
  const { aggregate, snapshots } = options;
  const { decider } = aggregate;
  const maxBatch = options.maxBatch ?? 100;
  const cacheSize = options.cachedStreams ?? 1000;
  const queues = new Map<string, Queued<C, S>[]>();
  const cache = new Map<string, Loaded<S>>();

  function remember(streamId: string, loaded: Loaded<S>): void {
    if (cacheSize <= 0) return;
    cache.delete(streamId); // re-inserted last: Map order is the recency order
    cache.set(streamId, loaded);
    const oldest = cache.keys().next();
    if (cache.size > cacheSize && !oldest.done) cache.delete(oldest.value);
  }

  async function drain(streamId: string, queue: Queued<C, S>[]): Promise<void> {
    while (queue.length > 0) {
      await runBatch(streamId, queue.splice(0, maxBatch));
    }
    queues.delete(streamId);
  }

  /** What deciding a batch on one state gave: each command's events or its error. */
  function decideAll(batch: Queued<C, S>[], from: S) {
    let state = from;
    const decided: { queued: Queued<C, S>; after: number; state: S }[] = [];
    const refused: { queued: Queued<C, S>; error: unknown }[] = [];
    const newEvents: NewEvent[] = [];
    let noOps = 0;
    for (const queued of batch) {
      try {
        const events = decider.decide(queued.command, state);
        if (events.length > 0) state = foldWith(decider, events, state);
        else noOps++;
        newEvents.push(...toNewEvents(events, queued.ctx));
        decided.push({ queued, after: newEvents.length, state });
      } catch (error) {
        refused.push({ queued, error });
      }
    }
    return { decided, refused, newEvents, state, trusted: refused.length === 0 && noOps === 0 };
  }

  async function runBatch(streamId: string, batch: Queued<C, S>[]): Promise<void> {
    try {
      // 1. the state to decide on: kept from this process's last batch (or, for a stream id
      //    just minted, the initial state) without a read, else loaded once for the batch
      const keys = snapshots ? batch.flatMap((q) => snapshots.shape.keysRead(q.command)) : [];
      const held = cache.get(streamId);
      const kept = held && covers(held, keys) ? held : undefined;
      const assumed = kept ?? (batch.every((q) => q.fresh) ? initial() : null);
      let loaded = assumed ?? await load(streamId, kept, keys);
      let verified = assumed === null;
      for (;;) {
        // 2. decide each command on the state the ones before it left
        const { decided, refused, newEvents, state, trusted } = decideAll(batch, loaded.state);
        // An unread state is trusted only where the append checks it: a refusal or a no-op
        // appends nothing, so it is decided again on the stream as stored.
        if (!verified && !trusted) {
          loaded = await load(streamId, kept, keys);
          verified = true;
          continue;
        }
        for (const { queued, error } of refused) queued.reject(error);
        if (newEvents.length === 0) {
          remember(streamId, loaded);
          for (const { queued } of decided) {
            queued.resolve({ streamId, version: state.version, position: loaded.position, state });
          }
          return;
        }
        // 3. one append for the batch, expecting the version decided on
        let appended;
        try {
          appended = await store.append(streamId, newEvents, {
            expectedVersion: loaded.state.version,
          });
        } catch (error) {
          // Another process wrote since the kept state: read what it appended, decide again.
          if (verified || !(error instanceof ConcurrencyError)) throw error;
          cache.delete(streamId);
          loaded = await load(streamId, kept, keys);
          verified = true;
          continue;
        }
        const position = appended.positions.at(-1) ?? loaded.position;
        remember(streamId, { state, position, known: loaded.known });
        // 4. each command's result: the version and position after its own events
        for (const { queued, after, state } of decided) {
          queued.resolve({
            streamId,
            state,
            version: loaded.state.version + after,
            position: after === 0 ? loaded.position : appended.positions[after - 1],
          });
        }
        // 5. snapshot when the version crossed a multiple of `every`, after answering
        await maybeSnapshot(store, {
          streamId,
          aggregate,
          snapshots,
          from: loaded.state.version,
          to: state.version,
        });
        return;
      }
    } catch (error) {
      // A conflict with a state read for this batch, or a failed load or append: the whole
      // batch failed (rejecting a command already answered changes nothing).
      cache.delete(streamId);
      for (const queued of batch) queued.reject(error);
    }
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
      return new Promise<Written<S>>((resolve, reject) => {
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
