import type { Handlers } from "$fresh/server.ts";
import { mayReadDetails } from "../utils/probe_access.ts";
import type { State } from "../utils/state.ts";

/** How long one dependency may take to answer before it counts as down. */
const TIMEOUT_MS = 2000;

async function check(name: string, probe: () => Promise<unknown>): Promise<[string, string]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return [name, "ok"];
  } catch (error) {
    return [name, error instanceof Error ? error.message : String(error)];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Readiness: the event store, the read store and (with a worker) the bus
 * answer. Which check failed, and why, only for loopback or METRICS_TOKEN:
 * others get the status alone.
 */
export const handler: Handlers<unknown, State> = {
  async GET(req, ctx) {
    const { system } = ctx.state;
    const checks = Object.fromEntries(
      await Promise.all([
        check("eventStore", () => system.eventSql`select 1`),
        check("readStore", () => system.readSql`select 1`),
        ...(system.worker ? [check("bus", () => system.worker!.ping())] : []),
      ]),
    );
    const ready = Object.values(checks).every((v) => v === "ok");
    const details = mayReadDetails(req, {
      address: ctx.state.clientAddress,
      token: system.config.METRICS_TOKEN,
    });
    const status = ready ? "ready" : "unready";
    return Response.json(details ? { status, checks } : { status }, {
      status: ready ? 200 : 503,
    });
  },
};
