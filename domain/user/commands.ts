import { z } from "zod";

/** Usernames: 3..30 of a-z, 0-9 and underscore; stored lower-case. */
export const username = z.string({ error: "username is required" }).trim().toLowerCase()
  .regex(/^[a-z0-9_]{3,30}$/, {
    error: "username must be 3 to 30 letters, digits or underscores",
  });

/** Passwords: 8..200 characters. Only its hash is ever stored. */
export const password = z.string({ error: "password is required" })
  .min(8, { error: "password must be at least 8 characters" })
  .max(200, { error: "password must be at most 200 characters" });

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

/** What the User decider sees: the password already replaced by its hash. */
export type UserDecision = {
  type: "RegisterUser";
  userId: string;
  username: string;
  passwordHash: string;
  at: string;
};

/** The stream id of a user: derived from the username, so registering twice conflicts. */
export function userStreamId(name: string): string {
  return `user-${name.toLowerCase()}`;
}
