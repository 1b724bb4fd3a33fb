/**
 * An aggregate as three pure functions (Emmett's shape): `decide` turns a
 * command and the current state into new events (or throws a named error),
 * `evolve` applies one event, `initialState` is the state before any event.
 * `fold`, when present, applies many events in one pass (linear), and must
 * agree with `events.reduce(evolve, from)`.
 *
 * @example
 * ```ts
 * const counter: Decider<"inc", "incremented", number> = {
 *   decide: () => ["incremented"],
 *   evolve: (n) => n + 1,
 *   initialState: () => 0,
 * };
 * ```
 */
export type Decider<Command, Event, State> = {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
  fold?(events: readonly Event[], from: State): State;
  /**
   * Applies events by changing `state` itself (returning it, or a new state),
   * for a writer that decides many commands in turn on a state it keeps: no
   * copy per command. Only for a state its caller owns: one that `fold`,
   * `initialState` or a snapshot's `restore` made for it, which nothing else
   * holds.
   */
  applyInPlace?(state: State, events: readonly Event[]): State;
};

/** Folds events into state: in one pass when the decider can, else event by event. */
export function foldWith<C, E, S>(decider: Decider<C, E, S>, events: readonly E[], from: S): S {
  return decider.fold ? decider.fold(events, from) : events.reduce(decider.evolve, from);
}

/**
 * How an aggregate's state is kept in a snapshot, so that a long stream loads
 * in time independent of its length: a small `head` (what every decision
 * reads) and keyed entries (a post's likers and comments), of which a
 * decision reads only the few it names. A state restored from the head and
 * some entries, then folded with later events, is exact for the head and
 * those entries and may lack every other entry; `decide` must read no other.
 *
 * @example
 * ```ts
 * const keys = shape.keysRead(command); // ["liker:…"]
 * const state = shape.restore(snapshot.head, snapshot.entries);
 * ```
 */
export type SnapshotShape<Command, Event, State> = {
  /** Bump when the head or an entry changes shape: older snapshots are then rebuilt. */
  schemaVersion: number;
  /** The entries a decision of `command` reads. */
  keysRead(command: Command): readonly string[];
  /** The entries `event` changes. */
  keysChanged(event: Event): readonly string[];
  /** The state without its entries, as JSON. */
  head(state: State): unknown;
  /** The entry's value in `state` as JSON, or undefined when the state has no such entry. */
  entry(state: State, key: string): unknown;
  /** A state from a head and some entries; throws on anything it cannot read. */
  restore(head: unknown, entries: Iterable<readonly [string, unknown]>): State;
  /**
   * Adds entries read later from the snapshot to a state restored from it, in
   * place (a state its caller owns). Throws, adding none, on one it cannot read.
   */
  addEntries(state: State, entries: Iterable<readonly [string, unknown]>): void;
};
