import { type AnyEvent, foldWith, type SnapshotShape } from "../domain/mod.ts";
import { type AggregateOf, ownEvents } from "./aggregate.ts";
import { type Logger, messageOf } from "./log.ts";
import type { EventStore, SnapshotStore } from "./ports.ts";

/** Snapshotting of one aggregate type: the store, the state's shape, and how often. */
export type Snapshotting<C, E, S> = {
  store: SnapshotStore;
  shape: SnapshotShape<C, E, S>;
  /** The snapshot is moved forward each time the version crosses a multiple of this. */
  every: number;
  /** Where a snapshot that fails to load or to move forward is reported (it is only a shortcut). */
  log?: Logger;
};

/** One stream's snapshot: which stream, its aggregate, and how it is snapshotted. */
type SnapshotOf<C, E extends AnyEvent, S extends { version: number }> = {
  streamId: string;
  aggregate: AggregateOf<C, E, S>;
  snapshots: Snapshotting<C, E, S>;
};

/** A state restored from a snapshot, exact for its head and the entries asked for. */
type Restored<S> = { state: S; position: number };

/**
 * The latest snapshot's state with the entries named by `keys`, or null when
 * there is none, it is of another schema version, or it cannot be read or
 * loaded (logged): the events are the truth, a snapshot is only a shortcut.
 */
export async function restoreSnapshot<C, E, S extends { version: number }>(
  snapshots: Snapshotting<C, E, S>,
  streamId: string,
  keys: readonly string[],
): Promise<Restored<S> | null> {
  let snapshot;
  try {
    snapshot = await snapshots.store.load(streamId, keys);
  } catch (error) {
    snapshots.log?.warn("snapshot not loaded", { streamId, error: messageOf(error) });
    return null;
  }
  if (!snapshot || snapshot.schemaVersion !== snapshots.shape.schemaVersion) return null;
  try {
    const state = snapshots.shape.restore(snapshot.head, snapshot.entries);
    if (state.version !== snapshot.version) throw new Error(`head at version ${state.version}`);
    return { state, position: snapshot.position };
  } catch (error) {
    snapshots.log?.warn("snapshot unreadable", {
      streamId,
      version: snapshot.version,
      error: messageOf(error),
    });
    return null;
  }
}

/**
 * Moves a stream's snapshot up to the events stored now. It reads the events
 * after the snapshot, the entries they change, folds them, and writes the new
 * head and those entries (a removed like or comment deletes its entry): work
 * in proportion to the events since the last snapshot. With no usable
 * snapshot (none, another schema version, or one that cannot be read) it
 * folds the whole stream and writes every entry, once. It uses no state a
 * process holds: a snapshot is derived from the events alone. False when
 * there was nothing to do or another writer moved the snapshot first.
 *
 * @example
 * ```ts
 * await advanceSnapshot(store, { streamId, aggregate: postAggregate, snapshots });
 * ```
 */
export async function advanceSnapshot<C, E extends AnyEvent, S extends { version: number }>(
  store: EventStore,
  options: SnapshotOf<C, E, S>,
): Promise<boolean> {
  const { streamId, aggregate: { decider, isEvent }, snapshots: { shape } } = options;
  const eventsAfter = async (version: number) => {
    const stored = await store.readStream(streamId, { fromVersion: version + 1 });
    return { events: ownEvents(streamId, stored, isEvent), last: stored.at(-1) };
  };
  const changedKeys = (events: readonly E[]) => [...new Set(events.flatMap(shape.keysChanged))];

  const head = await restoreSnapshot(options.snapshots, streamId, []);
  let { events, last } = await eventsAfter(head?.state.version ?? 0);
  if (!last) return false;
  let keys = changedKeys(events);
  let base = head && await restoreSnapshot(options.snapshots, streamId, keys);
  if (head && base && base.state.version !== head.state.version) return false; // moved meanwhile
  if (head && !base) {
    // Gone since, or its entries cannot be read: fold the stream from its first event instead.
    ({ events, last } = await eventsAfter(0));
    if (!last) return false;
    keys = changedKeys(events);
    base = null;
  }
  const state = foldWith(decider, events, base?.state ?? decider.initialState());
  if (state.version !== last.streamVersion) {
    // A head ahead of or behind its events would make every later append of the stream fail.
    throw new Error(
      `snapshot of ${streamId} folded to ${state.version}, its last event is ${last.streamVersion}`,
    );
  }
  const upserts: [string, unknown][] = [];
  const removals: string[] = [];
  for (const key of keys) {
    const value = shape.entry(state, key);
    if (value !== undefined) upserts.push([key, value]);
    else if (base) removals.push(key); // a snapshot from the first event replaces every entry
  }
  return await options.snapshots.store.save({
    streamId,
    version: state.version,
    position: last.globalPosition,
    schemaVersion: shape.schemaVersion,
    head: shape.head(state),
    base: base?.state.version ?? null,
    upserts,
    removals,
  });
}

/** True when a write from version `from` to `to` crossed a multiple of `every`. */
export function crossesMultiple(every: number, from: number, to: number): boolean {
  return Math.floor(to / every) > Math.floor(from / every);
}

/** {@link advanceSnapshot}, its failure logged rather than thrown. */
export async function moveSnapshotForward<C, E extends AnyEvent, S extends { version: number }>(
  store: EventStore,
  options: SnapshotOf<C, E, S>,
): Promise<void> {
  await advanceSnapshot(store, options).catch((error) => {
    options.snapshots.log?.warn("snapshot not moved forward", {
      streamId: options.streamId,
      error: messageOf(error),
    });
  });
}
