import {
  type Actor,
  ConcurrencyError,
  InvalidCredentials,
  isUserEvent,
  type Role,
  TooManyAttempts,
  userDecider,
  type UserDecision,
  type UserEvent,
  UsernameTaken,
  UserNotFound,
  type UserState,
  userStreamId,
} from "../domain/mod.ts";
import { requestContext } from "./context.ts";
import type { AggregateOf } from "./aggregate.ts";
import { handleCommand, loadStream } from "./handle_command.ts";
import { type AnyCommandHandler, defineCommand } from "./mediator.ts";
import type { WriteResult } from "./messages.ts";
import type { CredentialStore, EventStore, PasswordHasher, SessionStore } from "./ports.ts";
import type { SignInThrottle } from "./sign_in_throttle.ts";

/** The User aggregate as handlers load and decide it. */
export const userAggregate = {
  decider: userDecider,
  isEvent: isUserEvent,
} satisfies AggregateOf<
  UserDecision,
  UserEvent,
  UserState
>;

/** What the User handlers need. */
export type UserHandlerDeps = {
  store: EventStore;
  hasher: PasswordHasher;
  credentials: CredentialStore;
  sessions: SessionStore;
  throttle: SignInThrottle;
};

/**
 * RegisterUser, SignIn and SignOut.
 *
 * RegisterUser hashes the password into the credentials table (keyed by a
 * fresh user id, so a lost race leaves only an unreferenced row, removed at
 * once), then appends UserRegistered, which carries no secret, to a stream
 * named after the username: two concurrent sign-ups with one name cannot
 * both succeed.
 *
 * SignIn is throttled per account and per client address before any hash
 * runs, then checks the password and opens a new session. SignOut deletes
 * the session server-side, so its old cookie is worthless.
 */
export function userCommandHandlers(deps: UserHandlerDeps): AnyCommandHandler[] {
  const { store, hasher, credentials, sessions, throttle } = deps;
  return [
    defineCommand({
      type: "RegisterUser",
      access: "anyone",
      async handle(command, ctx) {
        const userId = crypto.randomUUID();
        await credentials.save(userId, await hasher.hash(command.password));
        try {
          const result = await handleCommand(store, {
            streamId: userStreamId(command.username),
            aggregate: userAggregate,
            command: {
              type: "RegisterUser",
              userId,
              username: command.username,
              at: new Date().toISOString(),
            },
            ctx,
          });
          return { ...result, userId };
        } catch (error) {
          await credentials.delete(userId).catch(() => {});
          // the other sign-up won the race for this stream
          if (error instanceof ConcurrencyError) throw new UsernameTaken(command.username);
          throw error;
        }
      },
    }),
    defineCommand({
      type: "SignIn",
      access: "anyone",
      async handle(command, ctx) {
        const name = command.username.trim().toLowerCase();
        const address = ctx.clientAddress ?? null;
        const wait = throttle.check(name, address);
        if (wait > 0) throw new TooManyAttempts(wait);
        // Counted before the hash runs, so a burst of parallel guesses is throttled too.
        throttle.failed(name, address);
        const state = await loadUser(store, name);
        const hash = state.status === "registered" ? await credentials.find(state.userId) : null;
        // Unknown user or no hash: hash anyway, so timing does not tell which names exist.
        const ok = hash === null
          ? (await hasher.hash(command.password), false)
          : await hasher.verify(command.password, hash);
        if (!ok || state.status !== "registered") throw new InvalidCredentials();
        throttle.succeeded(name, address);
        const user = { userId: state.userId, username: state.username };
        const { id, expiresAt } = await sessions.create(user);
        return { ...user, sessionId: id, expiresAt };
      },
    }),
    defineCommand({
      type: "SignOut",
      access: "anyone",
      async handle(command) {
        await sessions.delete(command.sessionId);
        return {};
      },
    }),
  ];
}

async function loadUser(store: EventStore, username: string): Promise<UserState> {
  const { state } = await loadStream(store, {
    streamId: userStreamId(username),
    aggregate: userAggregate,
  });
  return state;
}

/**
 * The actor of a session, with its roles read from the user's own stream
 * (the write side is consistent, so a revoke takes effect on the next
 * request). A session whose user is gone is no actor.
 *
 * @example
 * ```ts
 * const actor = await actorOf(store, { userId, username: "alice" });
 * ```
 */
export async function actorOf(
  store: EventStore,
  session: { userId: string; username: string },
): Promise<Actor | null> {
  const state = await loadUser(store, session.username);
  if (state.status !== "registered" || state.userId !== session.userId) return null;
  return {
    userId: state.userId,
    username: state.username,
    isAdmin: state.roles.includes("admin"),
  };
}

/**
 * Grants or revokes a role on the user's stream: the operator's path
 * (`deno task admin grant|revoke <username>`), never reachable from the web.
 * Granting a role the user holds appends nothing.
 *
 * @example
 * ```ts
 * await changeRole(store, { username: "alice", role: "admin", grant: true });
 * ```
 */
export async function changeRole(
  store: EventStore,
  change: { username: string; role: Role; grant: boolean; operator?: string },
): Promise<WriteResult> {
  const username = change.username.trim().toLowerCase();
  if ((await loadUser(store, username)).status !== "registered") {
    throw new UserNotFound(`no user named "${username}"`);
  }
  return await handleCommand(store, {
    streamId: userStreamId(username),
    aggregate: userAggregate,
    command: {
      type: change.grant ? "GrantRole" : "RevokeRole",
      role: change.role,
      at: new Date().toISOString(),
    },
    ctx: requestContext({ correlationId: `admin-cli:${change.operator ?? "operator"}` }),
  });
}

/**
 * The roles of one user, or null for an unknown username (`deno task admin list`).
 */
export async function rolesOf(store: EventStore, username: string): Promise<Role[] | null> {
  const state = await loadUser(store, username.trim().toLowerCase());
  return state.status === "registered" ? [...state.roles] : null;
}
