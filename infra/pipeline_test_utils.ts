import assert from "node:assert/strict";
import { adminCommandHandlers } from "../app/admin_handlers.ts";
import { type RequestContext, requestContext } from "../app/context.ts";
import { createMediator, type Mediator } from "../app/mediator.ts";
import { postCommandHandlers } from "../app/post_handlers.ts";
import { userCommandHandlers } from "../app/user_handlers.ts";
import type { Actor } from "../domain/mod.ts";
import { kafkaBus } from "./kafka/kafka_bus.ts";
import type { EventBus } from "./bus/bus.ts";
import { scryptHasher } from "./password.ts";
import type { Sql } from "./postgres/connect.ts";
import { postgresEventStore } from "./postgres/event_store.ts";
import { migrate } from "./postgres/migrate.ts";
import { tempDatabase, userHandlerParts } from "./postgres/test_utils.ts";
import { createRestorer } from "./projections/restore.ts";
import { verifySnapshots } from "./postgres/verify_snapshots.ts";
import { verifyReadModel } from "./projections/verify.ts";
import { projectionAdmin } from "./projector/projection_admin.ts";

/** The broker the test run started (scripts/test.sh) or the developer named. */
export function brokers(): string[] {
  return (Deno.env.get("KAFKA_BROKERS") ?? "127.0.0.1:9092").split(",");
}

/** A bus on a topic no other test uses. */
export function testBus(
  options: { partitions?: number; topic?: string; offsetHintIntervalMs?: number } = {},
): EventBus {
  return kafkaBus({
    brokers: brokers(),
    topic: options.topic ?? `agora.test.${crypto.randomUUID().slice(0, 8)}`,
    partitions: options.partitions ?? 3,
    offsetHintIntervalMs: options.offsetHintIntervalMs,
  });
}

const fastHasher = scryptHasher({ N: 1 << 10, r: 8, p: 1, keyLength: 32 });

/**
 * Event store and read store (one database, or two with `separateReadStore`),
 * migrated, with a command-side mediator that writes to the event store;
 * `restoreBatchSize` makes Restore read DB run in small batches (many progress steps).
 */
export async function stores(
  options: { separateReadStore?: boolean; restoreBatchSize?: number } = {},
) {
  const eventDb = await tempDatabase();
  const readDb = options.separateReadStore ? await tempDatabase("agora_read") : eventDb;
  const eventSql = eventDb.connect({ max: 10 });
  const readSql = options.separateReadStore ? readDb.connect({ max: 10 }) : eventSql;
  await migrate(eventSql, "event_store");
  await migrate(readSql, "read_store");
  const store = postgresEventStore(eventSql);
  const restorer = createRestorer({ eventSql, readSql, batchSize: options.restoreBatchSize });
  const mediator = createMediator({
    side: "command",
    commands: [
      ...postCommandHandlers({ store }),
      ...userCommandHandlers({ store, hasher: fastHasher, ...userHandlerParts(eventSql) }),
      ...adminCommandHandlers({ restorer, projections: projectionAdmin({ eventSql, readSql }) }),
    ],
  });
  return {
    eventDb,
    readDb,
    eventSql,
    readSql,
    store,
    mediator,
    restorer,
    register: (username: string) => register(mediator, username),
    async [Symbol.asyncDispose]() {
      if (readDb !== eventDb) await readDb[Symbol.asyncDispose]();
      await eventDb[Symbol.asyncDispose]();
    },
  };
}

async function register(mediator: Mediator, username: string): Promise<RequestContext> {
  const { userId } = await mediator.send(
    { type: "RegisterUser", username, password: "password-1" },
    requestContext(),
  );
  const actor: Actor = { userId, username, isAdmin: false };
  return requestContext({ actor });
}

/** Highest global position in the event store. */
export async function lastPosition(eventSql: Sql): Promise<number> {
  const [{ max }] =
    await eventSql`select coalesce(max(global_position), 0)::int as max from events`;
  return max;
}

/**
 * Waits until `check` holds, re-checking whenever the projector NOTIFYs and
 * at a slow safety interval; fails after `timeoutMs`. No fixed sleeps.
 */
export async function until(
  readSql: Sql,
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let nudge: (() => void) | null = null;
  const listener = await readSql.listen("projection_advanced", () => nudge?.());
  try {
    while (!(await check())) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out waiting for ${options.what ?? "condition"}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        nudge = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    await listener.unlisten();
  }
}

/**
 * Waits until the projector has applied every event now in the store (with
 * several partitions the last position can be applied before earlier ones).
 */
export async function projected(
  s: { eventSql: Sql; readSql: Sql },
  options: { timeoutMs?: number } = {},
): Promise<void> {
  // Per stream, the version the store holds; applied when every stream reached it.
  const rows = await s.eventSql<{ stream_id: string; version: string }[]>`
    select stream_id, max(stream_version)::text as version from events group by stream_id`;
  const ids = rows.map((r) => r.stream_id);
  const versions = rows.map((r) => r.version);
  await until(s.readSql, async () => {
    const [{ n }] = await s.readSql`
      select count(*)::int as n
      from unnest(${ids}::text[], ${versions}::bigint[]) as w(stream_id, version)
      join projection_streams p on p.stream_id = w.stream_id and p.version >= w.version`;
    return n === ids.length;
  }, { ...options, what: `${ids.length} streams to be applied` });
}

/**
 * Waits (bounded) until every stored event is below the horizon the gap-safe
 * cursor reads to (a transaction still open in the database holds it back).
 */
export async function readableToTheEnd(eventSql: Sql, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ below }] = await eventSql<{ below: boolean }[]>`
      select coalesce(max(transaction_id) < events_horizon(), true) as below
      from events`;
    if (below) return;
    if (Date.now() > deadline) assert.fail("the snapshot horizon stayed below the last event");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the verifier (projections and snapshots) and fails the test with its differences. */
export async function assertVerified(s: { eventSql: Sql; readSql: Sql }): Promise<void> {
  await readableToTheEnd(s.eventSql);
  const { differences } = await verifyReadModel({ eventSql: s.eventSql, readSql: s.readSql });
  assert.deepEqual(differences, [], "verifier: projections differ from the event store");
  const snapshots = await verifySnapshots(s.eventSql);
  assert.deepEqual(snapshots.differences, [], "verifier: snapshots differ from their streams");
}
