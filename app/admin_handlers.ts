import { type AnyCommandHandler, defineCommand } from "./mediator.ts";
import type { ReadModelRestorer } from "./ports.ts";

/**
 * RestoreReadDb: administrators only (checked by the mediator's authorization
 * step); appends no event, it starts a rebuild of the projections.
 */
export function adminCommandHandlers(deps: { restorer: ReadModelRestorer }): AnyCommandHandler[] {
  return [
    defineCommand({
      type: "RestoreReadDb",
      access: "admin",
      handle: (_command, ctx) => deps.restorer.start({ requestedBy: ctx.actor!.username }),
    }),
  ];
}
