import type postgres from "postgres";
import { type Logger, messageOf, silentLogger } from "../../app/log.ts";
import type { ReadModelRestorer, RestoreJob, RestoreStatus } from "../../app/ports.ts";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import { advisoryUnlock, tryAdvisoryLock } from "../postgres/advisory_lock.ts";
import type { Sql } from "../postgres/connect.ts";
import { type Cursor, readAllEntries, type ReadEntry, START } from "../postgres/read_all.ts";
import { readStream } from "../postgres/read_stream.ts";
import type { FetchStream } from "./apply_event.ts";
import { applyResilient } from "./apply_resilient.ts";
import { insertDeadLetter, skipEvent } from "./dead_letter.ts";
import { restoreJobs } from "./restore_jobs.ts";
import { createShadow, dropOwnSchema, OWN_SCHEMA } from "./restore_shadow.ts";
import { swapShadow } from "./restore_swap.ts";

export type { RestoreJob, RestoreStatus };

/**
 * Options of `createRestorer`.
 *
 * @example
 * ```ts
 * const options: RestorerOptions = { eventSql, readSql, logger, batchSize: 5000 };
 * ```
 */
export type RestorerOptions = {
  /** The event store (read only). */
  eventSql: Sql;
  /** The read store; its pool needs 2 connections, 3 when it is also `eventSql`. */
  readSql: Sql;
  logger?: Logger;
  /** Events per read-store transaction while rebuilding (default 5000). */
  batchSize?: number;
};

/**
 * The restorer: the application port plus what the CLI and the admin page need.
 *
 * @example
 * ```ts
 * const job = await restorer.run({ requestedBy: "cli", onProgress: (j) => console.log(j.percent) });
 * if (job.status === "failed") console.error(job.error);
 * ```
 */
export type Restorer = ReadModelRestorer & {
  /** Starts a job (or joins the running one) and resolves once it is finished. */
  run(
    options: { requestedBy: string; onProgress?: (job: RestoreJob) => void },
  ): Promise<RestoreJob>;
};

/** Session advisory lock held while a job runs: if the process dies, the lock goes with it. */
const LOCK_NAME = "agora-restore-read-db";
/** How often `run` re-reads a job that another process runs. */
const POLL_MS = 250;

/**
 * Restore read DB: rebuilds the projection tables from the event store (not
 * from the bus) into a shadow schema, in the background, then swaps them in
 * atomically. Pages of the gap-safe cursor (`readAllEntries`) are applied
 * with the projector's set-based batch apply into shadow tables whose
 * secondary indexes are built after loading; progress is committed with each
 * page. The site reads the old tables until the swap; the live projector is
 * held for the swap only and then goes on, nothing lost or applied twice.
 * One job at a time.
 *
 * @example
 * ```ts
 * const restorer = createRestorer({ eventSql, readSql });
 * const { jobId } = await restorer.start({ requestedBy: "alice" }); // returns at once
 * const job = await restorer.run({ requestedBy: "cli", onProgress: (j) => draw(j) }); // waits
 * ```
 */
export function createRestorer(options: RestorerOptions): Restorer {
  const { eventSql, readSql } = options;
  const logger = options.logger ?? silentLogger;
  const batchSize = options.batchSize ?? 5000;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error("restore: batchSize must be a positive integer");
  }
  // The lock connection, a read-store transaction and (same pool) an event read at once.
  const needed = eventSql === readSql ? 3 : 2;
  if ((readSql.options.max ?? 10) < needed) {
    throw new Error(`restore: the read store pool needs at least ${needed} connections`);
  }
  const fetchStream: FetchStream = (streamId, range) =>
    readStream(eventSql, { streamId, ...range });
  const jobs = restoreJobs(readSql);
  const local = new Map<
    string,
    { finished: Promise<void>; listeners: Set<(job: RestoreJob) => void> }
  >();

  async function start(request: { requestedBy: string }): Promise<{ jobId: string }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const started = await tryStart(request.requestedBy);
      if (started) return { jobId: started };
      const running = await jobs.running();
      if (running) return { jobId: running };
      // Another process holds the lock but has not inserted (or has just finished) its job.
      if (Date.now() > deadline) throw new Error("restore: another restore is starting; try again");
      await delay(50);
    }
  }

  /** Takes the lock and starts a job; null when another restore holds the lock. */
  async function tryStart(requestedBy: string): Promise<string | null> {
    const lock = await readSql.reserve();
    let locked = false;
    try {
      locked = await tryAdvisoryLock(lock, LOCK_NAME);
      if (!locked) {
        lock.release();
        return null;
      }
      // Holding the lock means nobody else restores: "running" rows and schemas are leftovers.
      await abandonLeftovers(lock);
      const jobId = crypto.randomUUID();
      const [{ total }] = await eventSql<{ total: string }[]>`
        select count(*)::text as total from events`;
      await jobs.create(lock, { id: jobId, requestedBy, total: Number(total) });
      const listeners = new Set<(job: RestoreJob) => void>();
      const finished = rebuild(jobId, listeners).finally(async () => {
        local.delete(jobId);
        await advisoryUnlock(lock, LOCK_NAME);
        lock.release();
      });
      local.set(jobId, { finished, listeners });
      logger.info("restore started", { jobId, requestedBy, total: Number(total) });
      return jobId;
    } catch (error) {
      if (locked) await advisoryUnlock(lock, LOCK_NAME);
      lock.release();
      throw error;
    }
  }

  async function abandonLeftovers(lock: Sql): Promise<void> {
    for (const id of await jobs.abandonRunning(lock)) {
      logger.warn("restore job abandoned", { jobId: id });
    }
    const schemas = await lock<{ name: string }[]>`
      select nspname as name from pg_namespace where nspname ~ '^(restore|retired)_'`;
    for (const { name } of schemas) {
      if (OWN_SCHEMA.test(name)) await lock.unsafe(`drop schema if exists ${name} cascade`);
    }
  }

  async function run(
    request: { requestedBy: string; onProgress?: (job: RestoreJob) => void },
  ): Promise<RestoreJob> {
    const { jobId } = await start(request);
    const { onProgress } = request;
    const mine = local.get(jobId);
    if (mine) {
      if (onProgress) mine.listeners.add(onProgress);
      await mine.finished;
    } else {
      // Another process runs this job: follow it in the table.
      for (;;) {
        const current = await jobs.find(jobId);
        if (!current || current.status === "done" || current.status === "failed") break;
        onProgress?.(current);
        await delay(POLL_MS);
      }
    }
    const finished = await jobs.find(jobId);
    if (!finished) throw new Error(`restore: job ${jobId} disappeared`);
    onProgress?.(finished);
    return finished;
  }

  /** The whole job; never rejects: a failure is recorded on the job. */
  async function rebuild(jobId: string, listeners: Set<(job: RestoreJob) => void>): Promise<void> {
    const suffix = jobId.replaceAll("-", "").slice(0, 12);
    const shadow = `restore_${suffix}`;
    const retired = `retired_${suffix}`;
    let created = false;
    const progress = async () => {
      if (listeners.size === 0) return;
      const current = await jobs.find(jobId);
      if (current) { for (const listener of listeners) listener(current); }
    };
    const dropWarning = (schema: string) => (error: unknown) =>
      logger.warn("restore could not drop a schema; the next restore will", {
        schema,
        error: String(error),
      });
    try {
      const { buildIndexes } = await createShadow(readSql, shadow);
      created = true;
      let cursor = START;
      let done = 0;
      for (;;) {
        const page = await readAllEntries(eventSql, { after: cursor, limit: batchSize });
        if (page.entries.length > 0) {
          await readSql.begin(async (tx) => {
            await tx.unsafe(`set local search_path to ${shadow}`);
            await applyEntries(tx, page.entries);
            await jobs.progress(tx, jobId, done + page.entries.length);
          });
          done += page.entries.length;
          cursor = page.cursor;
          await progress();
        }
        // A short page means we are at the head; the swap catches up with the rest.
        if (page.entries.length < batchSize) break;
      }
      await buildIndexes();
      await jobs.swapping(jobId);
      await progress();
      const caughtUp = await swapShadow(readSql, eventSql, {
        shadow,
        retired,
        cursor,
        catchUp: (tx, range) => catchUp(tx as postgres.TransactionSql, range),
        finish: (tx, n) => jobs.done(tx, jobId, done + n),
        onRetry: (attempt, error) =>
          logger.warn("restore swap retried", { jobId, attempt, error: String(error) }),
      });
      for (const schema of [retired, shadow]) {
        await dropOwnSchema(readSql, schema, dropWarning(schema));
      }
      logger.info("restore done", { jobId, events: done + caughtUp });
    } catch (error) {
      const message = messageOf(error);
      logger.error("restore failed", { jobId, error: message });
      if (created) await dropOwnSchema(readSql, shadow, dropWarning(shadow));
      await jobs.failed(jobId, message).catch((markError) =>
        logger.error("restore could not record its failure", { jobId, error: String(markError) })
      );
    }
    await progress().catch(() => {});
  }

  /** Events after `after` from transactions below `horizon`, into the shadow tables. */
  async function catchUp(
    tx: postgres.TransactionSql,
    range: { after: Cursor; horizon: bigint },
  ): Promise<number> {
    let cursor = range.after;
    let applied = 0;
    for (;;) {
      const page = await readAllEntries(eventSql, { after: cursor, limit: batchSize });
      const below = page.entries.filter((e) => BigInt(e.row.transaction_id) < range.horizon);
      if (below.length > 0) await applyEntries(tx, below);
      applied += below.length;
      cursor = page.cursor;
      if (below.length < batchSize) return applied;
    }
  }

  /**
   * Applies a page set-based; an unreadable event or one that fails becomes
   * a dead letter (tried once: the rebuild has no live traffic to wait for).
   */
  async function applyEntries(tx: postgres.TransactionSql, entries: ReadEntry[]): Promise<void> {
    let events: RecordedEvent<AnyEvent>[] = [];
    // In store order: the events before an unreadable one apply before its stream moves past it.
    const flush = async () => {
      await applyResilient(tx, events, {
        fetchStream,
        attempts: 1,
        onDeadLetter: (event, error) =>
          deadLetterLogged(event.streamId, event.streamVersion, error),
      });
      events = [];
    };
    for (const entry of entries) {
      if (entry.event) {
        events.push(entry.event);
        continue;
      }
      await flush();
      const { row } = entry;
      await insertDeadLetter(tx, {
        eventId: row.event_id,
        streamId: row.stream_id,
        streamVersion: Number(row.stream_version),
        globalPosition: Number(row.global_position),
        eventType: row.event_type,
        payload: {
          type: row.event_type,
          schemaVersion: row.schema_version,
          data: row.data,
          metadata: row.metadata,
        },
        error: entry.error,
        attempts: 1,
      });
      await skipEvent(tx, {
        streamId: row.stream_id,
        version: Number(row.stream_version),
        position: Number(row.global_position),
      });
      deadLetterLogged(row.stream_id, Number(row.stream_version), entry.error);
    }
    await flush();
  }

  function deadLetterLogged(streamId: string, version: number, error: string): void {
    logger.warn("restore sent an event to dead letters", { streamId, version, error });
  }

  return { start, run, job: jobs.find };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
