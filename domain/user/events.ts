import { z } from "zod";

/** The roles an operator can grant (`deno task admin grant <username>`). */
export const roleSchema = z.enum(["admin"]);
/** A role a user can hold. */
export type Role = z.infer<typeof roleSchema>;

/**
 * Zod schema of each User event's data, keyed by event type. No event carries
 * a secret: the password hash lives in the write side's credentials table.
 */
export const userEventSchemas = {
  UserRegistered: z.object({
    userId: z.uuid(),
    username: z.string().min(1),
    at: z.iso.datetime(),
  }),
  /** An operator granted a role (from the command line, never through the web). */
  RoleGranted: z.object({ role: roleSchema, at: z.iso.datetime() }),
  /** An operator revoked a role. */
  RoleRevoked: z.object({ role: roleSchema, at: z.iso.datetime() }),
} as const;

type Schemas = typeof userEventSchemas;

/** The User aggregate's events. */
export type UserEvent = {
  [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> };
}[keyof Schemas];
