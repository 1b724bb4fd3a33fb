import { z } from "zod";

/** Zod schema of each User event's data, keyed by event type. */
export const userEventSchemas = {
  UserRegistered: z.object({
    userId: z.uuid(),
    username: z.string().min(1),
    /** A self-describing KDF hash (algorithm, parameters, salt, key); never a password. */
    passwordHash: z.string().min(20),
    at: z.iso.datetime(),
  }),
} as const;

type Schemas = typeof userEventSchemas;

/** The User aggregate's events. */
export type UserEvent = {
  [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> };
}[keyof Schemas];
