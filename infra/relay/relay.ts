import { backoffMs } from "../../app/backoff.ts";
import { refuseSecrets } from "./secret_fields.ts";
import type { Logger } from "../../app/log.ts";
import { silentLogger } from "../../app/log.ts";
import type { Metrics } from "../../app/metrics.ts";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import type { EventPublisher } from "../bus/bus.ts";
import { advisoryUnlock, tryAdvisoryLock } from "../postgres/advisory_lock.ts";
import type { Sql } from "../postgres/connect.ts";
import { type Cursor, readAll, START } from "../postgres/read_all.ts";
import { wakeSignal } from "../wake_signal.ts";
import { listenForAppends } from "../postgres/append_listener.ts";

/** The relay's saved cursor. */
export const LOAD_CURSOR_SQL = `
  select transaction_id::text as transaction_id, position from relay_cursors where relay = $1`;

/** Saves the cursor after the bus acknowledged everything before it. */
export const SAVE_CURSOR_SQL = `
  insert into relay_cursors (relay, transaction_id, position) values ($1, $2::xid8, $3)
  on conflict (relay) do update set transaction_id = excluded.transaction_id,
    position = excluded.position, updated_at = now()`;

type Page = { events: RecordedEvent<AnyEvent>[]; cursor: Cursor };

/** First re-read after an empty page (doubles up to pollMs). */
const MIN_IDLE_MS = 10;

/** How long one query on the leader connection may take before the connection counts as lost. */
const LEADER_QUERY_TIMEOUT_MS = 10_000;

/** Rejects when `promise` has not settled within `ms`. */
function answerWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the leader connection did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Options of the outbox relay. */
export type RelayOptions = {
  /** The event store. */
  sql: Sql;
  publisher: EventPublisher;
  /** Relays with the same name share one cursor and one leader. */
  name?: string;
  /** Events per page read and published (default 2000). */
  batchSize?: number;
  /** Fallback poll interval when no NOTIFY arrives. */
  pollMs?: number;
  logger?: Logger;
  metrics?: Metrics;
};

/** A running relay. */
export type Relay = {
  /** True while this process holds the leadership. */
  isLeader(): boolean;
  /** The cursor of the last acknowledged batch (for tests and metrics). */
  cursor(): Cursor;
  /** Resolves once the relay has published everything appended before the call. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * The transactional outbox relay: tails the events table through the
 * gap-safe cursor and publishes to the bus in batches; the cursor is saved
 * only after the bus acknowledged, so an appended event is published at least
 * once and never lost. One leader at a time per name (a session advisory
 * lock held on a dedicated connection: if that process or connection dies,
 * the lock is released and another relay takes over).
 *
 * @example
 * ```ts
 * const relay = startRelay({ sql, publisher: await bus.publisher() });
 * ```
 */
export function startRelay(options: RelayOptions): Relay {
  const { sql, publisher } = options;
  const name = options.name ?? "main";
  const batchSize = options.batchSize ?? 2000;
  const lockName = `agora-relay:${name}`;
  const pollMs = options.pollMs ?? 1000;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics;

  let stopped = false;
  let leader = false;
  let cursor: Cursor = START;
  let idleWaiters: (() => void)[] = [];
  // Woken by NOTIFY; a wake-up that lands while the relay reads is kept for its next sleep.
  const { wake: wakeUp, sleep, pause } = wakeSignal(() => stopped);

  const appends = listenForAppends(sql, wakeUp, { logger, who: "relay" });

  async function lead(): Promise<void> {
    const conn = await sql.reserve();
    // A reserved connection whose server went away (a restart, a cut) can leave
    // its next query unanswered for ever: bound each one, and then abandon it.
    let broken = false;
    const bounded = <T>(query: Promise<T>): Promise<T> =>
      answerWithin(query, LEADER_QUERY_TIMEOUT_MS).catch((error) => {
        broken = true;
        throw error;
      });
    try {
      if (!await bounded(tryAdvisoryLock(conn, lockName))) return;
      leader = true;
      logger.info("relay is the leader", { relay: name });
      const [saved] = await bounded(conn.unsafe(LOAD_CURSOR_SQL, [name]));
      cursor = saved
        ? { transactionId: saved.transaction_id, position: Number(saved.position) }
        : START;
      // Read on the leader connection: if it is gone, so is the leadership.
      const read = (after: Cursor): Promise<Page> =>
        bounded(readAll(conn, { after, limit: batchSize }));
      let failures = 0;
      let page: Page | null = null;
      // An empty page may only mean rows held back below the snapshot horizon (appends still
      // committing): look again soon, then less and less often up to pollMs.
      let idleMs = MIN_IDLE_MS;
      while (!stopped) {
        page ??= await read(cursor);
        if (page.events.length === 0) {
          page = null;
          const waiters = idleWaiters;
          idleWaiters = [];
          waiters.forEach((resolve) => resolve());
          await sleep(idleMs);
          idleMs = Math.min(pollMs, idleMs * 2);
          continue;
        }
        idleMs = MIN_IDLE_MS;
        // A full page means more is waiting: read the next page while the broker acknowledges.
        const full: boolean = page.events.length === batchSize;
        const nextRead: Promise<Page> | null = full ? read(page.cursor) : null;
        nextRead?.catch(() => {}); // awaited below, or dropped with the connection
        try {
          refuseSecrets(page.events); // never publish a field named like a secret
          await publisher.publish(page.events);
          failures = 0;
        } catch (error) {
          // The broker is away: keep the cursor, retry with backoff. Appends are unaffected.
          failures++;
          metrics?.inc("relay_publish_failures_total");
          logger.warn("relay publish failed; will retry", { error: String(error), failures });
          await nextRead?.catch(() => {});
          await pause(backoffMs(failures, { baseMs: 250, maxMs: 10_000 }));
          continue;
        }
        // Saved only now: the broker acknowledged every event up to this cursor.
        const saved = bounded(
          conn.unsafe(SAVE_CURSOR_SQL, [name, page.cursor.transactionId, page.cursor.position]),
        );
        // The next page in the same round trip as the save (the connection pipelines them).
        const following: Promise<Page> = nextRead ?? read(page.cursor);
        following.catch(() => {}); // awaited below, or dropped with the connection
        await saved;
        cursor = page.cursor;
        metrics?.inc("relay_events_published_total", {}, page.events.length);
        metrics?.set("relay_position", {}, cursor.position);
        page = await following;
      }
    } finally {
      if (leader && !broken) await bounded(advisoryUnlock(conn, lockName)).catch(() => {});
      leader = false;
      // A broken connection is not given back to the pool (its queries would hang);
      // its session, and so the lock, ended with the server's side of it.
      if (!broken) conn.release();
    }
  }

  const running = (async () => {
    while (!stopped) {
      try {
        await lead();
      } catch (error) {
        leader = false;
        logger.warn("relay lost its connection or leadership", { error: String(error) });
      }
      if (!stopped) await pause(pollMs); // a follower checks again for a free leadership
    }
  })();

  return {
    isLeader: () => leader,
    cursor: () => cursor,
    caughtUp() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        wakeUp();
      });
    },
    async stop() {
      stopped = true;
      wakeUp();
      await running;
      await appends.close();
      idleWaiters.forEach((resolve) => resolve());
    },
  };
}
