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
};

/** Folds events into state: in one pass when the decider can, else event by event. */
export function foldWith<C, E, S>(decider: Decider<C, E, S>, events: readonly E[], from: S): S {
  return decider.fold ? decider.fold(events, from) : events.reduce(decider.evolve, from);
}
