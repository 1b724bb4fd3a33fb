import { type AnyEvent, type Decider, foldWith, validateEvent } from "../domain/mod.ts";
import type { RequestContext } from "./context.ts";
import type { WriteResult } from "./messages.ts";
import type { EventStore, NewEvent, SnapshotStore } from "./ports.ts";

/**
 * What a handler needs of an aggregate: its decider, and which stored events
 * are its own (a stream read from the store holds events of any type, so the
 * guard narrows them for `evolve` instead of a cast).
 */
export type AggregateOf<C, E extends AnyEvent, S extends { version: number }> = {
  decider: Decider<C, E, S>;
  isEvent(event: AnyEvent): event is E;
};

/** A stream holds an event its aggregate does not know: the store is damaged. */
export class ForeignEvent extends Error {
  constructor(readonly streamId: string, readonly eventType: string) {
    super(`stream ${streamId} holds a ${eventType} event, which its aggregate does not know`);
  }
}

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
 *   streamId: postStreamId(postId), aggregate: { decider: postDecider, isEvent: isPostEvent },
 *   command, ctx,
 * });
 * ```
 */
export async function handleCommand<C, E extends AnyEvent, S extends { version: number }>(
  store: EventStore,
  options: {
    streamId: string;
    aggregate: AggregateOf<C, E, S>;
    command: C;
    ctx: RequestContext;
    snapshots?: Snapshotting<S>;
  },
): Promise<WriteResult> {
  const { streamId, aggregate, command, ctx, snapshots } = options;
  const { decider } = aggregate;
  // 1. load
  const { state, position: lastPosition } = await loadStream(store, {
    streamId,
    aggregate,
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
    aggregate: AggregateOf<C, E, S>;
    snapshots?: Snapshotting<S>;
    cached?: Loaded<S>;
  },
): Promise<Loaded<S>> {
  const { streamId, aggregate: { decider, isEvent }, snapshots, cached } = options;
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
  const last = history.at(-1);
  if (!last) return from;
  const events: E[] = [];
  for (const event of history) {
    if (!isEvent(event)) throw new ForeignEvent(streamId, event.type);
    events.push(event);
  }
  return { state: foldWith(decider, events, from.state), position: last.globalPosition };
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
