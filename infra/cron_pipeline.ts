/**
 * The pipeline on Deno Deploy, where no process lives long enough to hold
 * Kafka consumers: a `Deno.cron` tick (and a nudge after each write) starts
 * the relay and the projector, runs them until every event appended before
 * the tick is applied to the projections or the tick's time budget is spent,
 * then stops them. The durable state makes this safe: the relay publishes
 * under a leader lock and saves its cursor only after the broker acknowledged,
 * and the projector saves its checkpoint in the transaction that applies the
 * batch, so overlapping ticks (two isolates) or a tick cut off anywhere
 * re-deliver at most, and redeliveries are skipped.
 *
 * @module
 */
import type { Logger } from "../app/log.ts";
import type { Metrics } from "../app/metrics.ts";
import type { Config } from "./config.ts";
import type { Sql } from "./postgres/connect.ts";
import { PROJECTION_CHANNEL } from "./postgres/tables.ts";
import { wakeSignal } from "./wake_signal.ts";
import { startConfiguredWorker } from "./worker.ts";

/** What one tick did. */
export type TickResult = {
  /** `idle`: nothing to do (no worker started); `done`: caught up; `budget`: time ran out. */
  outcome: "idle" | "done" | "budget";
  /** Events appended before the tick and not yet applied when it started. */
  pending: number;
  ms: number;
};

/** What a tick needs: the configuration (bus settings) and both stores. */
export type TickDeps = {
  config: Config;
  eventSql: Sql;
  readSql: Sql;
  logger: Logger;
  metrics?: Metrics;
};

/**
 * Events appended but not yet applied: counts, not positions (positions have
 * gaps from rolled-back appends), taken above the projector's pruned bound,
 * since the positions below it are applied and no longer listed. So both
 * counts stay within the retention window.
 */
async function unapplied(deps: TickDeps): Promise<{ waiting: number; target: number }> {
  const [state] = await deps.readSql<{ pruned: string }[]>`
    select pruned_below::text as pruned from projector_state where id = 'projector'`;
  const pruned = Number(state?.pruned ?? 0);
  const [row] = await deps.eventSql<{ total: number; target: string }[]>`
    select count(*)::int as total, coalesce(max(global_position), 0)::bigint::text as target
    from events where global_position > ${pruned}`;
  const [{ n }] = await deps.readSql<{ n: number }[]>`
    select count(*)::int as n from applied_positions
    where position > ${pruned} and position <= ${row.target}`;
  return { waiting: row.total - n, target: Number(row.target) };
}

/** Events appended after `position` (while a tick ran). */
async function appendedAfter(eventSql: Sql, position: number): Promise<number> {
  const [{ n }] = await eventSql<{ n: number }[]>`
    select count(*)::int as n from events where global_position > ${position}`;
  return n;
}

/**
 * One tick: when events are waiting, starts relay and projector (Kafka, or
 * the store tail without KAFKA_BROKERS) and stops them once everything
 * appended before the tick is applied, or after `budgetMs`. Never throws for
 * a slow broker: a tick cut short leaves the rest to the next one.
 *
 * @example
 * ```ts
 * const result = await runPipelineTick({ config, eventSql, readSql, logger }, { budgetMs: 50_000 });
 * ```
 */
export async function runPipelineTick(
  deps: TickDeps,
  options: { budgetMs: number },
): Promise<TickResult> {
  const started = Date.now();
  const deadline = started + options.budgetMs;
  const first = await unapplied(deps);
  if (first.waiting <= 0) return { outcome: "idle", pending: 0, ms: Date.now() - started };

  const { worker } = await startConfiguredWorker(deps.config, deps);
  // Re-checked on each projector commit (a commit during a check is kept for the next wait).
  const { wake, sleep } = wakeSignal(() => false);
  const listener = await deps.readSql.listen(PROJECTION_CHANNEL, wake);
  // Reported: what waited at the start plus what was appended while the tick ran. Events
  // appended meanwhile (the writes that nudged) are taken while the worker is warm, rather
  // than by a new tick that would join the group again.
  const result = async (outcome: "done" | "budget"): Promise<TickResult> => {
    const pending = first.waiting + await appendedAfter(deps.eventSql, first.target);
    return { outcome, pending, ms: Date.now() - started };
  };
  try {
    for (;;) {
      if ((await unapplied(deps)).waiting <= 0) return await result("done");
      const left = deadline - Date.now();
      if (left <= 0) return await result("budget");
      await sleep(Math.min(left, 500)); // a slow safety interval besides the NOTIFY
    }
  } finally {
    await listener.unlisten().catch(() => {});
    // The relay finishes its publish and the projector its batch before they stop.
    await worker.stop();
  }
}

/** Runs ticks one at a time in this isolate: cron ticks, nudges after writes, the tick route. */
export type CronPipeline = {
  /** A full tick (cron, tick route); resolves with the last run's result. */
  tick(): Promise<TickResult>;
  /** After a write: a short tick now, in the background; never throws, never waits. */
  nudge(): void;
  /** Waits for the running tick, if any (shutdown). */
  idle(): Promise<void>;
};

/**
 * One runner per isolate: a tick asked for while one runs is folded into a
 * single follow-up run (the running one may have started before the new
 * event was appended), so a burst of writes starts at most two ticks.
 *
 * @example
 * ```ts
 * const pipeline = cronPipeline((budgetMs) => runPipelineTick(deps, { budgetMs }), { budgetMs: 50_000, logger });
 * Deno.cron("agora pipeline", "* * * * *", () => pipeline.tick().then(() => {}));
 * ```
 */
export function cronPipeline(
  run: (budgetMs: number) => Promise<TickResult>,
  options: { budgetMs: number; nudgeBudgetMs?: number; logger: Logger },
): CronPipeline {
  const { logger } = options;
  const nudgeBudgetMs = options.nudgeBudgetMs ?? Math.min(10_000, options.budgetMs);
  let running: Promise<TickResult> | null = null;
  let again: number | null = null; // budget of the follow-up run

  function start(budgetMs: number): Promise<TickResult> {
    const current = (async () => {
      let budget = budgetMs;
      let result: TickResult;
      for (;;) {
        result = await run(budget);
        logger.info("pipeline tick", { ...result, budgetMs: budget });
        if (again === null) return result;
        budget = again;
        again = null;
      }
    })();
    running = current.finally(() => {
      running = null;
    });
    return running;
  }

  return {
    tick() {
      if (!running) return start(options.budgetMs);
      again = Math.max(again ?? 0, options.budgetMs);
      return running;
    },
    nudge() {
      if (running) {
        again = Math.max(again ?? 0, nudgeBudgetMs);
        return;
      }
      start(nudgeBudgetMs).catch((error) => {
        // The write is already committed; the next tick publishes it.
        logger.warn("pipeline nudge failed", { error: String(error) });
      });
    },
    async idle() {
      await running?.catch(() => {});
    },
  };
}

/** The path of the tick route (only with PIPELINE_TICK_TOKEN). */
export const TICK_PATH = "/internal/pipeline-tick";

/**
 * `POST /internal/pipeline-tick` with `Authorization: Bearer <token>` runs a
 * tick and answers its result: for an external scheduler and for the Deploy
 * simulation test, which cannot fire `Deno.cron`. Returns null for any other
 * request, so without the route the app answers as before (404).
 *
 * @example
 * ```ts
 * const route = tickRoute(config.PIPELINE_TICK_TOKEN, () => pipeline.tick());
 * Deno.serve((req) => route(req) ?? app.fetch(req));
 * ```
 */
export function tickRoute(
  token: string,
  tick: () => Promise<TickResult>,
): (req: Request) => Promise<Response> | null {
  const expected = new TextEncoder().encode(`Bearer ${token}`);
  return (req) => {
    if (new URL(req.url).pathname !== TICK_PATH) return null;
    if (req.method !== "POST") {
      return Promise.resolve(new Response("405 Method Not Allowed", { status: 405 }));
    }
    const given = new TextEncoder().encode(req.headers.get("authorization") ?? "");
    if (!sameBytes(given, expected)) {
      return Promise.resolve(Response.json({ error: "unauthorized" }, { status: 401 }));
    }
    return tick().then(
      (result) => Response.json(result),
      (error) => Response.json({ error: String(error) }, { status: 503 }),
    );
  };
}

/** Constant-time comparison (the length is not secret: it is fixed by the scheme). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i];
  return diff === 0;
}
