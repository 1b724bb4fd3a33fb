import type { AnyEvent, Decider } from "../domain/mod.ts";

/**
 * What a handler needs of an aggregate: its decider, and which stored events
 * are its own (a stream read from the store holds events of any type, so the
 * guard narrows them for `evolve` instead of a cast).
 */
export type AggregateOf<C, E extends AnyEvent, S extends { version: number }> = {
  decider: Decider<C, E, S>;
  isEvent(event: AnyEvent): event is E;
};

/** A stream holds an event its aggregate does not know: the store is damaged. */
export class ForeignEvent extends Error {
  constructor(readonly streamId: string, readonly eventType: string) {
    super(`stream ${streamId} holds a ${eventType} event, which its aggregate does not know`);
  }
}

/**
 * A stream's events as its aggregate's own (keeping what else they carry, such
 * as their recorded position), or ForeignEvent for the first it does not know.
 */
export function ownEvents<T extends AnyEvent, E extends AnyEvent>(
  streamId: string,
  stored: readonly T[],
  isEvent: (event: AnyEvent) => event is E,
): (T & E)[] {
  const events: (T & E)[] = [];
  for (const event of stored) {
    if (!isEvent(event)) throw new ForeignEvent(streamId, event.type);
    events.push(event);
  }
  return events;
}
