import { type AnyEvent, validateEvent } from "../domain/mod.ts";
import type { RequestContext } from "./context.ts";
import type { WriteResult } from "./messages.ts";
import type { EventStore, NewEvent } from "./ports.ts";

/** The decider parts a command handler needs. */
export type DeciderOf<C, E extends AnyEvent, S extends { version: number }> = {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
};

/**
 * The one way a command changes the system:
 * 1. load the stream and fold it into state,
 * 2. decide (pure; throws a named error on a broken rule),
 * 3. append the new events expecting the version that was loaded,
 *    so a concurrent writer makes this fail with ConcurrencyError,
 * 4. return the new version and the position to wait for.
 * Retrying after a conflict is the mediator's job (it re-runs all four steps).
 *
 * @example
 * ```ts
 * const result = await handleCommand(store, {
 *   streamId: `post-${postId}`, decider: postDecider, command, ctx,
 * });
 * ```
 */
export async function handleCommand<C, E extends AnyEvent, S extends { version: number }>(
  store: EventStore,
  options: { streamId: string; decider: DeciderOf<C, E, S>; command: C; ctx: RequestContext },
): Promise<WriteResult> {
  const { streamId, decider, command, ctx } = options;
  // 1. load
  const history = await store.readStream(streamId);
  const state = history.reduce(
    (s, e) => decider.evolve(s, e as unknown as E),
    decider.initialState(),
  );
  const lastPosition = history.at(-1)?.globalPosition ?? 0;
  // 2. decide
  const events = decider.decide(command, state);
  if (events.length === 0) return { streamId, version: state.version, position: lastPosition };
  // 3. append with the expected version
  const causationId = crypto.randomUUID();
  const newEvents: NewEvent[] = events.map((event) => ({
    eventId: crypto.randomUUID(),
    event: validateEvent(event),
    metadata: { userId: ctx.actor?.userId ?? null, correlationId: ctx.correlationId, causationId },
  }));
  const appended = await store.append(streamId, newEvents, { expectedVersion: state.version });
  // 4. result
  return {
    streamId,
    version: appended.nextExpectedVersion,
    position: appended.positions.at(-1) ?? lastPosition,
  };
}
