import { type AnyEvent, foldWith, validateEvent } from "../domain/mod.ts";
import { type AggregateOf, ownEvents } from "./aggregate.ts";
import type { RequestContext } from "./context.ts";
import type { WriteResult } from "./messages.ts";
import type { EventStore, NewEvent } from "./ports.ts";
import { restoreSnapshot, type Snapshotting } from "./snapshots.ts";

/**
 * A stream's state as of a version, with the global position of its last
 * event. Without `partial` the state is whole.
 */
export type Loaded<S> = { state: S; position: number; partial?: PartialState };

/**
 * A state loaded from a snapshot (see SnapshotShape): exact for its head and
 * the entries in `known` only. `changed` names the entries that events after
 * the snapshot's version changed: for any other, the value in a snapshot at
 * or after that version is still the state's.
 */
export type PartialState = {
  readonly known: Set<string>;
  readonly snapshotVersion: number;
  readonly changed: Set<string>;
};

/** Whether decisions reading `keys` may be taken on `loaded`. */
export function covers<S>(loaded: Loaded<S>, keys: readonly string[]): boolean {
  const known = loaded.partial?.known;
  return known === undefined || keys.every((key) => known.has(key));
}

/**
 * The one way a command changes the system:
 * 1. load the stream and fold it into state,
 * 2. decide (pure; throws a named error on a broken rule),
 * 3. append the new events expecting the version that was loaded,
 *    so a concurrent writer makes this fail with ConcurrencyError,
 * 4. return the new version and the position to wait for.
 * Retrying after a conflict is the mediator's job (it re-runs every step).
 * Hot and long streams (posts) go through `streamWriter` instead, which runs
 * the same steps for a batch of commands at once, and keeps snapshots.
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
  },
): Promise<WriteResult> {
  const { streamId, aggregate, command, ctx } = options;
  const { decider } = aggregate;
  // 1. load
  const { state, position: lastPosition } = await loadStream(store, { streamId, aggregate });
  // 2. decide
  const events = decider.decide(command, state);
  if (events.length === 0) return { streamId, version: state.version, position: lastPosition };
  // 3. append with the expected version
  const newEvents = toNewEvents(events, ctx);
  const appended = await store.append(streamId, newEvents, { expectedVersion: state.version });
  const position = appended.positions.at(-1) ?? lastPosition;
  // 4. result
  return { streamId, version: appended.nextExpectedVersion, position };
}

/**
 * Loads a stream's state: from `cached` (a state this process folded before)
 * or else the latest usable snapshot with the entries named by `keys`, plus
 * the events after it. The state it answers is a fresh object nothing else
 * holds, unless it is `cached`'s own (no event since).
 */
export async function loadStream<C, E extends AnyEvent, S extends { version: number }>(
  store: EventStore,
  options: {
    streamId: string;
    aggregate: AggregateOf<C, E, S>;
    snapshots?: Snapshotting<C, E, S>;
    cached?: Loaded<S>;
    /** The snapshot entries the coming decisions read. */
    keys?: readonly string[];
  },
): Promise<Loaded<S>> {
  const { streamId, aggregate: { decider, isEvent }, snapshots, cached, keys = [] } = options;
  let from: Loaded<S> = cached ?? { state: decider.initialState(), position: 0 };
  if (!cached && snapshots) {
    const restored = await restoreSnapshot(snapshots, streamId, keys);
    if (restored) {
      const partial = {
        known: new Set(keys),
        snapshotVersion: restored.state.version,
        changed: new Set<string>(),
      };
      from = { ...restored, partial };
    }
  }
  const history = await store.readStream(streamId, { fromVersion: from.state.version + 1 });
  const last = history.at(-1);
  if (!last) return from;
  const events = ownEvents(streamId, history, isEvent);
  const partial = from.partial && snapshots && {
    ...from.partial,
    changed: new Set([...from.partial.changed, ...events.flatMap(snapshots.shape.keysChanged)]),
  };
  return { state: foldWith(decider, events, from.state), position: last.globalPosition, partial };
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
