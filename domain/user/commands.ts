import { z } from "zod";
import type { Role } from "./events.ts";

/** Usernames: 3..30 of a-z, 0-9 and underscore; stored lower-case. */
export const username = z.string({ error: "username is required" }).trim().toLowerCase()
  .regex(/^[a-z0-9_]{3,30}$/, {
    error: "username must be 3 to 30 letters, digits or underscores",
  });

/** Longest password accepted anywhere (sign-up and sign-in), so a hash never runs on megabytes. */
export const PASSWORD_MAX = 200;

/** Passwords: 8..200 characters. Only its hash is ever stored, outside the events. */
export const password = z.string({ error: "password is required" })
  .min(8, { error: "password must be at least 8 characters" })
  .max(PASSWORD_MAX, { error: `password must be at most ${PASSWORD_MAX} characters` });

/** Zod schema of each User command as a client sends it. */
export const userCommandSchemas = {
  RegisterUser: z.object({ type: z.literal("RegisterUser"), username, password }),
} as const;

/**
 * A User command as sent to the mediator.
 *
 * @example
 * ```ts
 * const register: UserCommand = { type: "RegisterUser", username: "alice", password: "s3cret-pw" };
 * ```
 */
export type UserCommand = z.infer<typeof userCommandSchemas.RegisterUser>;

/**
 * What the User decider sees. A registration carries no password: the handler
 * stores its hash in the credentials table, never in an event. Roles are
 * granted and revoked by an operator (`deno task admin`).
 */
export type UserDecision =
  | { type: "RegisterUser"; userId: string; username: string; at: string }
  | { type: "GrantRole"; role: Role; at: string }
  | { type: "RevokeRole"; role: Role; at: string };
