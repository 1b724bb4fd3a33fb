import type { Decider } from "../decider.ts";
import { UsernameTaken, UserNotFound } from "../errors.ts";
import type { UserDecision } from "./commands.ts";
import type { Role, UserEvent } from "./events.ts";

/** The state of a user account. */
export type UserState =
  | { readonly status: "none"; readonly version: 0 }
  | {
    readonly status: "registered";
    readonly version: number;
    readonly userId: string;
    readonly username: string;
    readonly registeredAt: string;
    /** Roles an operator granted; sorted, no duplicates. */
    readonly roles: readonly Role[];
  };

/** The state of a username nobody has registered. */
export function initialState(): UserState {
  return { status: "none", version: 0 };
}

/** Applies one User event. */
export function evolve(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case "UserRegistered": {
      const { userId, username, at } = event.data;
      return {
        status: "registered",
        version: state.version + 1,
        userId,
        username,
        registeredAt: at,
        roles: [],
      };
    }
    case "RoleGranted":
    case "RoleRevoked": {
      if (state.status !== "registered") return state; // cannot happen: decide refuses it
      const others = state.roles.filter((r) => r !== event.data.role);
      const roles = event.type === "RoleGranted" ? [...others, event.data.role].sort() : others;
      return { ...state, version: state.version + 1, roles };
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown user event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Folds User events into state. */
export function fold(events: readonly UserEvent[]): UserState {
  return events.reduce(evolve, initialState());
}

/**
 * Decides a User command. Granting a role the user holds, or revoking one it
 * does not, changes nothing (no event).
 *
 * @example
 * ```ts
 * decide({ type: "RegisterUser", userId, username: "alice", at }, initialState());
 * ```
 */
export function decide(command: UserDecision, state: UserState): UserEvent[] {
  switch (command.type) {
    case "RegisterUser": {
      if (state.status !== "none") throw new UsernameTaken(command.username);
      const { userId, username, at } = command;
      return [{ type: "UserRegistered", data: { userId, username, at } }];
    }
    case "GrantRole":
    case "RevokeRole": {
      if (state.status !== "registered") throw new UserNotFound();
      const holds = state.roles.includes(command.role);
      if (command.type === "GrantRole" ? holds : !holds) return [];
      const type = command.type === "GrantRole" ? "RoleGranted" : "RoleRevoked";
      return [{ type, data: { role: command.role, at: command.at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown user command ${JSON.stringify(unknown)}`);
    }
  }
}

/** The User decider as one value, for handlers and specs. */
export const userDecider: Decider<UserDecision, UserEvent, UserState> = {
  decide,
  evolve,
  initialState,
};
