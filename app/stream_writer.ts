import { type AnyEvent, foldWith } from "../domain/mod.ts";
import type { RequestContext } from "./context.ts";
import {
  type AggregateOf,
  type Loaded,
  loadStream,
  maybeSnapshot,
  type Snapshotting,
  toNewEvents,
} from "./handle_command.ts";
import type { WriteResult } from "./messages.ts";
import type { EventStore, NewEvent } from "./ports.ts";

/** A command's result and the stream's state right after its own events. */
export type Written<S> = WriteResult & { readonly state: S };

/** One command of a stream, waiting for its turn. */
type Queued<C, S> = {
  command: C;
  ctx: RequestContext;
  resolve(result: Written<S>): void;
  reject(error: unknown): void;
};

/** Runs a command on its stream, as `handleCommand` does, but one writer per stream. */
export type StreamWriter<C, S> = {
  run(options: { streamId: string; command: C; ctx: RequestContext }): Promise<Written<S>>;
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
 * recently used dropped first), so the next load reads only the events since;
 * a snapshot is read only for a stream this process does not hold.
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
    snapshots?: Snapshotting<S>;
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

  async function runBatch(streamId: string, batch: Queued<C, S>[]): Promise<void> {
    try {
      // 1. load once for the whole batch
      const loaded = await loadStream(store, {
        streamId,
        aggregate,
        snapshots,
        cached: cache.get(streamId),
      });
      // 2. decide each command on the state the ones before it left
      let state = loaded.state;
      const decided: { queued: Queued<C, S>; after: number; state: S }[] = [];
      const newEvents: NewEvent[] = [];
      for (const queued of batch) {
        try {
          const events = decider.decide(queued.command, state);
          const stamped = toNewEvents(events, queued.ctx);
          if (events.length > 0) state = foldWith(decider, events, state);
          newEvents.push(...stamped);
          decided.push({ queued, after: newEvents.length, state });
        } catch (error) {
          queued.reject(error);
        }
      }
      if (newEvents.length === 0) {
        remember(streamId, loaded);
        for (const { queued } of decided) {
          queued.resolve({ streamId, version: state.version, position: loaded.position, state });
        }
        return;
      }
      // 3. one append for the batch, expecting the loaded version
      const appended = await store.append(streamId, newEvents, {
        expectedVersion: loaded.state.version,
      });
      const position = appended.positions.at(-1) ?? loaded.position;
      remember(streamId, { state, position });
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
      await maybeSnapshot({
        streamId,
        snapshots,
        from: loaded.state.version,
        to: state.version,
        state: () => state,
        position,
      });
    } catch (error) {
      // A conflict (another process wrote) or a failed load or append: the whole batch failed
      // (rejecting a command already answered changes nothing).
      cache.delete(streamId);
      for (const queued of batch) queued.reject(error);
    }
  }

  return {
    run({ streamId, command, ctx }) {
      return new Promise<Written<S>>((resolve, reject) => {
        const waiting = queues.get(streamId);
        if (waiting) {
          waiting.push({ command, ctx, resolve, reject });
          return;
        }
        const queue = [{ command, ctx, resolve, reject }];
        queues.set(streamId, queue);
        void drain(streamId, queue);
      });
    },
    cachedStreams: () => cache.size,
  };
}
