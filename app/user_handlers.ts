import {
  type Actor,
  ConcurrencyError,
  foldUser,
  InvalidCredentials,
  userDecider,
  type UserEvent,
  userStreamId,
} from "../domain/mod.ts";
import { handleCommand } from "./handle_command.ts";
import { type AnyCommandHandler, defineCommand } from "./mediator.ts";
import type { EventStore, PasswordHasher } from "./ports.ts";
import { UsernameTaken } from "../domain/mod.ts";

/**
 * The RegisterUser handler: hashes the password (the clear text goes no
 * further), then appends UserRegistered to a stream named after the username,
 * so two concurrent sign-ups with one name cannot both succeed.
 */
export function userCommandHandlers(
  deps: { store: EventStore; hasher: PasswordHasher },
): AnyCommandHandler[] {
  const { store, hasher } = deps;
  return [
    defineCommand({
      type: "RegisterUser",
      access: "anyone",
      async handle(command, ctx) {
        const userId = crypto.randomUUID();
        const passwordHash = await hasher.hash(command.password);
        try {
          const result = await handleCommand(store, {
            streamId: userStreamId(command.username),
            decider: userDecider,
            command: {
              type: "RegisterUser",
              userId,
              username: command.username,
              passwordHash,
              at: new Date().toISOString(),
            },
            ctx,
          });
          return { ...result, userId };
        } catch (error) {
          // the other sign-up won the race for this stream
          if (error instanceof ConcurrencyError) throw new UsernameTaken(command.username);
          throw error;
        }
      },
    }),
  ];
}

/**
 * Checks a username and password against the user's own stream (the write
 * side is consistent, so a fresh sign-up can sign in at once).
 *
 * @example
 * ```ts
 * const actor = await authenticate({ store, hasher, admins }, { username, password });
 * ```
 */
export async function authenticate(
  deps: { store: EventStore; hasher: PasswordHasher; admins: ReadonlySet<string> },
  credentials: { username: string; password: string },
): Promise<Actor> {
  const name = credentials.username.trim().toLowerCase();
  const events = await deps.store.readStream(userStreamId(name));
  const state = foldUser(events as unknown as UserEvent[]);
  if (state.status !== "registered") {
    await deps.hasher.hash(credentials.password); // same cost either way: no username probing by timing
    throw new InvalidCredentials();
  }
  if (!(await deps.hasher.verify(credentials.password, state.passwordHash))) {
    throw new InvalidCredentials();
  }
  return {
    userId: state.userId,
    username: state.username,
    isAdmin: deps.admins.has(state.username),
  };
}
