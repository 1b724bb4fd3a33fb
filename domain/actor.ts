/**
 * Who is acting. It always comes from the signed-in session, never from a
 * command body.
 *
 * @example
 * ```ts
 * const alice: Actor = { userId: "0f8e…", username: "alice", isAdmin: false };
 * ```
 */
export type Actor = {
  readonly userId: string;
  readonly username: string;
  readonly isAdmin: boolean;
};

/**
 * What the application adds to a command before the decider sees it: the
 * actor and the moment of the decision (ISO-8601, UTC). Keeping the clock out
 * of the decider keeps it pure and its tests deterministic.
 */
export type Stamp = { readonly actor: Actor; readonly at: string };
