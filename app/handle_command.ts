import { type AnyEvent, validateEvent } from "../domain/mod.ts";
import type { RequestContext } from "./context.ts";
import type { WriteResult } from "./messages.ts";
import type { EventStore, NewEvent, SnapshotStore } from "./ports.ts";

/** The decider parts a command handler needs. */
export type DeciderOf<C, E extends AnyEvent, S extends { version: number }> = {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
};

/** Snapshotting of one aggregate type: the store, the state's codec, and how often. */
export type Snapshotting<S> = {
  store: SnapshotStore;
  codec: { schemaVersion: number; serialize(state: S): unknown; deserialize(data: unknown): S };
  /** A snapshot is taken each time the version crosses a multiple of this. */
  every: number;
};

/**
 * The one way a command changes the system:
 * 1. load the stream (from its latest snapshot, if any) and fold it into state,
 * 2. decide (pure; throws a named error on a broken rule),
 * 3. append the new events expecting the version that was loaded,
 *    so a concurrent writer makes this fail with ConcurrencyError,
 * 4. snapshot long streams now and then,
 * 5. return the new version and the position to wait for.
 * Retrying after a conflict is the mediator's job (it re-runs every step).
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
  // 1. load: the latest usable snapshot, then only the events after it
  const snapshot = await snapshots?.store.load(streamId).catch(() => null);
  let usable = snapshot && snapshot.schemaVersion === snapshots!.codec.schemaVersion
    ? snapshot
    : null;
  let from = decider.initialState();
  try {
    if (usable) from = snapshots!.codec.deserialize(usable.state);
  } catch {
    usable = null; // an unreadable snapshot is ignored: the events are the truth
  }
  const history = await store.readStream(streamId, { fromVersion: (usable?.version ?? 0) + 1 });
  const state = history.reduce((s, e) => decider.evolve(s, e as unknown as E), from);
  const lastPosition = history.at(-1)?.globalPosition ?? usable?.position ?? 0;
  // 2. decide
  const events = decider.decide(command, state);
  if (events.length === 0) return { streamId, version: state.version, position: lastPosition };
  // 3. append with the expected version
  const causationId = crypto.randomUUID();
  const newEvents: NewEvent[] = events.map((event) => ({
    eventId: crypto.randomUUID(),
    event: validateEvent(event),
    metadata: { userId: ctx.actor?.userId ?? null, correlationId: ctx.correlationId, causationId },
  }));
  const appended = await store.append(streamId, newEvents, { expectedVersion: state.version });
  const position = appended.positions.at(-1) ?? lastPosition;
  // 4. snapshot when the version crossed a multiple of `every` (best effort: it is derived data)
  if (
    snapshots && Math.floor(appended.nextExpectedVersion / snapshots.every) >
      Math.floor(state.version / snapshots.every)
  ) {
    const next = events.reduce(decider.evolve, state);
    await snapshots.store.save({
      streamId,
      version: appended.nextExpectedVersion,
      position,
      schemaVersion: snapshots.codec.schemaVersion,
      state: snapshots.codec.serialize(next),
    }).catch(() => {});
  }
  // 5. result
  return {
    streamId,
    version: appended.nextExpectedVersion,
    position,
  };
}
