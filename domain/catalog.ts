import type { z } from "zod";
import { postEventSchemas } from "./post/events.ts";
import type { PostEvent } from "./post/events.ts";
import { userEventSchemas } from "./user/events.ts";
import type { UserEvent } from "./user/events.ts";

/** Every event the system records. */
export type AnyEvent = PostEvent | UserEvent;
/** Every event type name. */
export type EventType = AnyEvent["type"];

const schemas: Record<EventType, z.ZodType> = { ...postEventSchemas, ...userEventSchemas };

/**
 * The schema version each event type is written with today. Bump it when an
 * event's shape changes and register an upcaster from the previous version.
 */
export const schemaVersions: Record<EventType, number> = {
  PostCreated: 1,
  MessageUpdated: 2,
  PostLiked: 1,
  PostUnliked: 1,
  CommentAdded: 1,
  CommentUpdated: 1,
  CommentRemoved: 1,
  PostRemoved: 1,
  UserRegistered: 2,
  RoleGranted: 1,
  RoleRevoked: 1,
};

/** Turns the data of version `n` into the data of version `n + 1`. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** Upcasters per event type, keyed by the version they upgrade from. */
export type Upcasters = Partial<Record<EventType, Record<number, Upcaster>>>;

/**
 * The upcasters in force. UserRegistered v1 carried the password hash; v2
 * does not (it lives in the credentials table), so reading drops it.
 * MessageUpdated v1 did not record the text an edit replaced: it is unknown
 * (null), not empty.
 */
export const upcasters: Upcasters = {
  UserRegistered: {
    1: ({ passwordHash: _secret, ...rest }) => rest,
  },
  MessageUpdated: { 1: (data) => ({ ...data, previousMessage: null }) },
};

/** An event's stored data could not be read as any known event. */
export class UnreadableEvent extends Error {
  constructor(readonly eventType: string, readonly reason: string) {
    super(`cannot read event ${eventType}: ${reason}`);
  }
}

/** True for an event of the Post aggregate (narrows an event read from any stream). */
export function isPostEvent(event: AnyEvent): event is PostEvent {
  return Object.hasOwn(postEventSchemas, event.type);
}

/** True for an event of the User aggregate. */
export function isUserEvent(event: AnyEvent): event is UserEvent {
  return Object.hasOwn(userEventSchemas, event.type);
}

/** True for a type name this system knows. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(schemas, type);
}

/**
 * Reads stored event data of any schema version as the current version:
 * upcasts step by step, then validates with the event's zod schema.
 *
 * @example
 * ```ts
 * const event = readEvent({ type: "PostLiked", schemaVersion: 1, data: { userId, at } });
 * ```
 */
export function readEvent(
  stored: { type: string; schemaVersion: number; data: unknown },
  options: { upcasters?: Upcasters; versions?: Record<EventType, number> } = {},
): AnyEvent {
  const { type, schemaVersion } = stored;
  if (!isEventType(type)) throw new UnreadableEvent(type, "unknown event type");
  const target = (options.versions ?? schemaVersions)[type];
  const steps = (options.upcasters ?? upcasters)[type] ?? {};
  if (schemaVersion > target) {
    throw new UnreadableEvent(type, `schema version ${schemaVersion} is newer than ${target}`);
  }
  let data = stored.data as Record<string, unknown>;
  for (let v = schemaVersion; v < target; v++) {
    const step = steps[v];
    if (!step) throw new UnreadableEvent(type, `no upcaster from schema version ${v}`);
    try {
      data = step(data);
    } catch (error) {
      // Malformed old data can trip an upcaster; that is an unreadable event, not a crash.
      const why = error instanceof Error ? error.message : String(error);
      throw new UnreadableEvent(type, `upcaster from schema version ${v} failed: ${why}`);
    }
  }
  const parsed = schemas[type].safeParse(data);
  if (!parsed.success) throw new UnreadableEvent(type, parsed.error.message);
  return { type, data: parsed.data } as AnyEvent;
}

/** Validates an event about to be written; throws if a decider produced a bad one. */
export function validateEvent(event: AnyEvent): AnyEvent {
  const parsed = schemas[event.type].safeParse(event.data);
  if (!parsed.success) throw new UnreadableEvent(event.type, parsed.error.message);
  return event;
}
