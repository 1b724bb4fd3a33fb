import {
  type AnyCommandHandler,
  type AnyQueryHandler,
  defineCommand,
  defineQuery,
} from "./mediator.ts";
import type { ProjectionAdmin, ReadModelRestorer } from "./ports.ts";

/**
 * RestoreReadDb and RetryDeadLetter: administrators only (checked by the
 * mediator's authorization step). Neither appends an event: they act on the
 * read side, which is derived from the events.
 */
export function adminCommandHandlers(
  deps: { restorer: ReadModelRestorer; projections: ProjectionAdmin },
): AnyCommandHandler[] {
  return [
    defineCommand({
      type: "RestoreReadDb",
      access: "admin",
      handle: (_command, ctx) => deps.restorer.start({ requestedBy: ctx.actor.username }),
    }),
    defineCommand({
      type: "RetryDeadLetter",
      access: "admin",
      handle: async (command) => ({ applied: await deps.projections.retryDeadLetter(command.id) }),
    }),
  ];
}

/** The admin page's queries: projector status and restore progress. */
export function adminQueryHandlers(
  deps: { restorer: ReadModelRestorer; projections: ProjectionAdmin },
): AnyQueryHandler[] {
  return [
    defineQuery({
      type: "GetProjectionStatus",
      access: "admin",
      handle: () => deps.projections.status(),
    }),
    defineQuery({
      type: "GetRestoreJob",
      access: "admin",
      handle: (query) => deps.restorer.job(query.jobId),
    }),
  ];
}
