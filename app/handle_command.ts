import { type AnyEvent, validateEvent } from "../domain/mod.ts";
import type { RequestContext } from "./context.ts";
import type { WriteResult } from "./messages.ts";
import type { EventStore, NewEvent, SnapshotStore } from "./ports.ts";

/** The decider parts a command handler needs; `fold` applies many events in one pass. */
export type DeciderOf<C, E extends AnyEvent, S extends { version: number }> = {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  fold?(events: readonly E[], from: S): S;
  initialState(): S;
};

/** Snapshotting of one aggregate type: the store, the state's codec, and how often. */
export type Snapshotting<S> = {
  store: SnapshotStore;
  codec: { schemaVersion: number; serialize(state: S): unknown; deserialize(data: unknown): S };
  /** A snapshot is taken each time the version crosses a multiple of this. */
  every: number;
};

/** A stream's state as of a version, with the global position of its last event. */
export type Loaded<S> = { state: S; position: number };

/**
 * The one way a command changes the system:
 * 1. load the stream (from its latest snapshot, if any) and fold it into state,
 * 2. decide (pure; throws a named error on a broken rule),
 * 3. append the new events expecting the version that was loaded,
 *    so a concurrent writer makes this fail with ConcurrencyError,
 * 4. snapshot long streams now and then,
 * 5. return the new version and the position to wait for.
 * Retrying after a conflict is the mediator's job (it re-runs every step).
 * Hot streams go through `streamWriter` instead, which runs the same steps
 * for a batch of commands at once.
 *
 * @example
 * ```ts
 * const result = await handleCommand(store, {
 *   streamId: `post-${postId}`, decider: postDecider, command, ctx,
 * });
 * ```
 */
export async function handleCommand<C, E extends AnyEvent, S extends { version: number }>(
  store: EventStore,
  options: {
    streamId: string;
    decider: DeciderOf<C, E, S>;
    command: C;
    ctx: RequestContext;
    snapshots?: Snapshotting<S>;
  },
): Promise<WriteResult> {
  const { streamId, decider, command, ctx, snapshots } = options;
  // 1. load
  const { state, position: lastPosition } = await loadStream(store, {
    streamId,
    decider,
    snapshots,
  });
  // 2. decide
  const events = decider.decide(command, state);
  if (events.length === 0) return { streamId, version: state.version, position: lastPosition };
  // 3. append with the expected version
  const newEvents = toNewEvents(events, ctx);
  const appended = await store.append(streamId, newEvents, { expectedVersion: state.version });
  const position = appended.positions.at(-1) ?? lastPosition;
  // 4. snapshot when the version crossed a multiple of `every`
  await maybeSnapshot({
    streamId,
    snapshots,
    from: state.version,
    to: appended.nextExpectedVersion,
    state: () => foldWith(decider, events, state),
    position,
  });
  // 5. result
  return { streamId, version: appended.nextExpectedVersion, position };
}

/**
 * Loads a stream's state: from `cached` (a state this process folded before)
 * or else the latest usable snapshot, plus the events after it.
 */
export async function loadStream<C, E extends AnyEvent, S extends { version: number }>(
  store: EventStore,
  options: {
    streamId: string;
    decider: DeciderOf<C, E, S>;
    snapshots?: Snapshotting<S>;
    cached?: Loaded<S>;
  },
): Promise<Loaded<S>> {
  const { streamId, decider, snapshots, cached } = options;
  let from: Loaded<S> = cached ?? { state: decider.initialState(), position: 0 };
  if (!cached && snapshots) {
    const snapshot = await snapshots.store.load(streamId).catch(() => null);
    if (snapshot && snapshot.schemaVersion === snapshots.codec.schemaVersion) {
      try {
        from = { state: snapshots.codec.deserialize(snapshot.state), position: snapshot.position };
      } catch {
        // an unreadable snapshot is ignored: the events are the truth
      }
    }
  }
  const history = await store.readStream(streamId, { fromVersion: from.state.version + 1 });
  if (history.length === 0) return from;
  return {
    state: foldWith(decider, history as unknown as E[], from.state),
    position: history.at(-1)!.globalPosition,
  };
}

/** Folds in one pass when the decider can, else event by event. */
export function foldWith<C, E extends AnyEvent, S extends { version: number }>(
  decider: DeciderOf<C, E, S>,
  events: readonly E[],
  from: S,
): S {
  return decider.fold ? decider.fold(events, from) : events.reduce(decider.evolve, from);
}

/** Domain events on their way to the store, stamped with the request's ids. */
export function toNewEvents(events: readonly AnyEvent[], ctx: RequestContext): NewEvent[] {
  const causationId = crypto.randomUUID();
  return events.map((event) => ({
    eventId: crypto.randomUUID(),
    event: validateEvent(event),
    metadata: { userId: ctx.actor?.userId ?? null, correlationId: ctx.correlationId, causationId },
  }));
}

/** Saves a snapshot when the version crossed a multiple of `every` (best effort: derived data). */
export async function maybeSnapshot<S extends { version: number }>(options: {
  streamId: string;
  snapshots?: Snapshotting<S>;
  from: number;
  to: number;
  /** The state at `to`, computed only when a snapshot is due. */
  state: () => S;
  position: number;
}): Promise<void> {
  const { snapshots } = options;
  if (!snapshots) return;
  if (Math.floor(options.to / snapshots.every) <= Math.floor(options.from / snapshots.every)) {
    return;
  }
  await snapshots.store.save({
    streamId: options.streamId,
    version: options.to,
    position: options.position,
    schemaVersion: snapshots.codec.schemaVersion,
    state: snapshots.codec.serialize(options.state()),
  }).catch(() => {});
}
