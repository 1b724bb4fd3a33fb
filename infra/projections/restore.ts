import type postgres from "postgres";
import { type Logger, silentLogger } from "../../app/log.ts";
import {
  type Cursor,
  type ReadModelRestorer,
  type RestoreJob,
  type RestoreStatus,
  START,
} from "../../app/ports.ts";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import type { Sql } from "../postgres/connect.ts";
import { READ_ALL_SQL } from "../postgres/read_all.ts";
import { readStream } from "../postgres/read_stream.ts";
import { grantReadSql } from "../postgres/roles.ts";
import { type EventRow, toRecordedEvent } from "../postgres/rows.ts";
import { type FetchStream, projectEvent, PROJECTION_TABLES, type Tx } from "./apply_event.ts";

export type { RestoreJob, RestoreStatus };

/**
 * Options of `createRestorer`.
 *
 * @example
 * ```ts
 * const options: RestorerOptions = { eventSql, readSql, logger, batchSize: 500 };
 * ```
 */
export type RestorerOptions = {
  /** The event store (read only). */
  eventSql: Sql;
  /** The read store; its pool needs 2 connections, 3 when it is also `eventSql`. */
  readSql: Sql;
  logger?: Logger;
  /** Events per read-store transaction while rebuilding (default 1000). */
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
/** Shadow (`restore_…`) and retired (`retired_…`) schemas this module creates. */
const OWN_SCHEMA = /^(restore|retired)_[0-9a-f]{12}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How often `run` re-reads a job that another process runs. */
const POLL_MS = 250;
/** Swap attempts when the table locks time out or deadlock with a reader. */
const SWAP_ATTEMPTS = 3;

type Entry =
  | { row: EventRow; event: RecordedEvent<AnyEvent> }
  | { row: EventRow; event: null; error: string };

type JobRow = {
  id: string;
  status: RestoreStatus;
  requested_by: string;
  total: string;
  done: string;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
};

/**
 * Restore read DB: rebuilds the projection tables from the event store (not
 * from the bus) into a shadow schema, in the background, then swaps them in
 * atomically. The site reads the old tables until the swap; the live
 * projector is held for the swap only and then goes on, nothing lost or
 * applied twice. One job at a time.
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
  const batchSize = options.batchSize ?? 1000;
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
  const local = new Map<
    string,
    { finished: Promise<void>; listeners: Set<(job: RestoreJob) => void> }
  >();

  async function job(jobId: string): Promise<RestoreJob | null> {
    if (!UUID.test(jobId)) return null;
    const [row] = await readSql<JobRow[]>`
      select id, status, requested_by, total::text, done::text, error, started_at, finished_at
      from restore_jobs where id = ${jobId}`;
    return row ? toJob(row) : null;
  }

  async function start(request: { requestedBy: string }): Promise<{ jobId: string }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const started = await tryStart(request.requestedBy);
      if (started) return { jobId: started };
      const [row] = await readSql<{ id: string }[]>`
        select id from restore_jobs where status in ('running', 'swapping')`;
      if (row) return { jobId: row.id };
      // Another process holds the lock but has not inserted (or has just finished) its job.
      if (Date.now() > deadline) throw new Error("restore: another restore is starting; try again");
      await delay(50);
    }
  }

  /** Takes the lock and starts a job; null when another restore holds the lock. */
  async function tryStart(requestedBy: string): Promise<string | null> {
    const lock = await readSql.reserve();
    const unlock = () =>
      lock.unsafe(`select pg_advisory_unlock(hashtext($1))`, [LOCK_NAME]).catch(() => {});
    let locked = false;
    try {
      [{ locked }] = await lock.unsafe<{ locked: boolean }[]>(
        `select pg_try_advisory_lock(hashtext($1)) as locked`,
        [LOCK_NAME],
      );
      if (!locked) {
        lock.release();
        return null;
      }
      // Holding the lock means nobody else restores: "running" rows and schemas are leftovers.
      await abandonLeftovers(lock);
      const jobId = crypto.randomUUID();
      const [{ total }] = await eventSql<{ total: string }[]>`
        select count(*)::text as total from events`;
      await lock`insert into restore_jobs (id, status, requested_by, total)
                 values (${jobId}, 'running', ${requestedBy}, ${total})`;
      const listeners = new Set<(job: RestoreJob) => void>();
      const finished = rebuild(jobId, listeners).finally(async () => {
        local.delete(jobId);
        await unlock();
        lock.release();
      });
      local.set(jobId, { finished, listeners });
      logger.info("restore started", { jobId, requestedBy, total: Number(total) });
      return jobId;
    } catch (error) {
      if (locked) await unlock();
      lock.release();
      throw error;
    }
  }

  async function abandonLeftovers(lock: Sql): Promise<void> {
    const stale = await lock<{ id: string }[]>`
      update restore_jobs
      set status = 'failed', error = 'abandoned: the restoring process stopped',
          finished_at = now()
      where status in ('running', 'swapping')
      returning id`;
    for (const { id } of stale) logger.warn("restore job abandoned", { jobId: id });
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
        const current = await job(jobId);
        if (!current || current.status === "done" || current.status === "failed") break;
        onProgress?.(current);
        await delay(POLL_MS);
      }
    }
    const finished = await job(jobId);
    if (!finished) throw new Error(`restore: job ${jobId} disappeared`);
    onProgress?.(finished);
    return finished;
  }

  /** The whole job; never rejects: a failure is recorded on the job. */
  async function rebuild(jobId: string, listeners: Set<(job: RestoreJob) => void>): Promise<void> {
    const suffix = jobId.replaceAll("-", "").slice(0, 12);
    const shadow = `restore_${suffix}`;
    let created = false;
    const progress = async () => {
      if (listeners.size === 0) return;
      const current = await job(jobId);
      if (current) { for (const listener of listeners) listener(current); }
    };
    try {
      await createShadow(shadow);
      created = true;
      let cursor = START;
      let done = 0;
      for (;;) {
        const page = await readPage(cursor);
        if (page.entries.length > 0) {
          await readSql.begin(async (tx) => {
            await tx.unsafe(`set local search_path to ${shadow}`);
            await applyPage(tx, page.entries);
            await tx`update public.restore_jobs
                     set done = ${done + page.entries.length},
                         total = greatest(total, ${done + page.entries.length})
                     where id = ${jobId}`;
          });
          done += page.entries.length;
          cursor = page.cursor;
          await progress();
        }
        // A short page means we are at the head; the swap catches up with the rest.
        if (page.entries.length < batchSize) break;
      }
      await readSql`update restore_jobs set status = 'swapping' where id = ${jobId}`;
      await progress();
      done = await swap({ jobId, shadow, retired: `retired_${suffix}`, cursor, done });
      logger.info("restore done", { jobId, events: done });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error("restore failed", { jobId, error: message });
      if (created) {
        await readSql.unsafe(`drop schema if exists ${shadow} cascade`).catch((dropError) =>
          logger.warn("restore could not drop its shadow schema", {
            shadow,
            error: String(dropError),
          })
        );
      }
      await readSql`update restore_jobs set status = 'failed', error = ${message}, finished_at = now()
                    where id = ${jobId}`
        .catch((markError) =>
          logger.error("restore could not record its failure", { jobId, error: String(markError) })
        );
    }
    await progress().catch(() => {});
  }

  /** Empty copies of the projection tables (columns, defaults, constraints, indexes) in `shadow`. */
  async function createShadow(shadow: string): Promise<void> {
    await readSql.begin(async (tx) => {
      await tx.unsafe(`create schema ${shadow}`);
      for (const table of PROJECTION_TABLES) {
        await tx.unsafe(`create table ${shadow}.${table} (like public.${table} including all)`);
      }
      // LIKE names copied indexes after their columns; give them the live names back, so a
      // later migration that names an index finds it after a restore too.
      const indexes = await tx<{ schema: string; table: string; name: string; def: string }[]>`
        select schemaname as schema, tablename as table, indexname as name, indexdef as def
        from pg_indexes
        where schemaname in ('public', ${shadow}) and tablename = any(${[...PROJECTION_TABLES]})`;
      const shape = (i: { table: string; def: string }) =>
        `${i.table} ${i.def.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+ /, "$1")}`;
      const liveNames = new Map(
        indexes.filter((i) => i.schema === "public").map((i) => [shape(i), i.name]),
      );
      for (const index of indexes.filter((i) => i.schema === shadow)) {
        const name = liveNames.get(shape(index));
        if (name && name !== index.name) {
          await tx.unsafe(`alter index ${shadow}."${index.name}" rename to "${name}"`);
        }
      }
    });
  }

  /**
   * One page of the gap-safe cursor, like `readAll`, but each row is read on
   * its own: an unreadable event becomes a dead letter instead of stopping
   * the restore.
   */
  async function readPage(after: Cursor): Promise<{ entries: Entry[]; cursor: Cursor }> {
    const rows = await eventSql.unsafe<EventRow[]>(READ_ALL_SQL, [
      after.transactionId,
      after.position,
      batchSize,
    ]);
    const entries = rows.map((row): Entry => {
      try {
        return { row, event: toRecordedEvent(row) };
      } catch (error) {
        return { row, event: null, error: error instanceof Error ? error.message : String(error) };
      }
    });
    const last = rows.at(-1);
    return {
      entries,
      cursor: last
        ? { transactionId: last.transaction_id, position: Number(last.global_position) }
        : after,
    };
  }

  /** Applies a page; if anything fails, again event by event so only the culprits fail. */
  async function applyPage(tx: postgres.TransactionSql, entries: Entry[]): Promise<void> {
    if (entries.every((e) => e.event !== null)) {
      try {
        await tx.savepoint(async (sp) => {
          for (const entry of entries) await projectEvent(sp, entry.event!, { fetchStream });
        });
        return;
      } catch {
        // fall through: find the culprits one by one
      }
    }
    for (const entry of entries) {
      let error = entry.event === null ? entry.error : null;
      if (entry.event !== null) {
        const event = entry.event;
        try {
          await tx.savepoint((sp) => projectEvent(sp, event, { fetchStream }));
        } catch (cause) {
          error = cause instanceof Error ? cause.message : String(cause);
        }
      }
      if (error !== null) await deadLetter(tx, entry, error);
    }
  }

  /** Records a failed event and moves its stream past it, so its later events still apply. */
  async function deadLetter(tx: Tx, entry: Entry, error: string): Promise<void> {
    const { row } = entry;
    const payload = entry.event ?? {
      type: row.event_type,
      schemaVersion: row.schema_version,
      data: row.data,
      metadata: row.metadata,
    };
    await tx`
      insert into public.dead_letters (event_id, stream_id, stream_version, global_position,
                                       event_type, payload, error, attempts)
      values (${row.event_id}, ${row.stream_id}, ${row.stream_version}, ${row.global_position},
              -- sent as text: a jsonb parameter would be JSON-encoded a second time
              ${row.event_type}, ${JSON.stringify(payload)}::text::jsonb, ${error}, 1)
      on conflict (event_id) where resolved_at is null do nothing`;
    await tx`
      insert into projection_streams (stream_id, version, position)
      values (${row.stream_id}, ${row.stream_version}, ${row.global_position})
      on conflict (stream_id) do update set version = excluded.version, position = excluded.position
      where projection_streams.version < excluded.version`;
    await tx`insert into applied_positions (position) values (${row.global_position})
             on conflict do nothing`;
    logger.warn("restore sent an event to dead letters", {
      streamId: row.stream_id,
      version: Number(row.stream_version),
      error,
    });
  }

  /**
   * Final catch-up and swap in ONE read-store transaction. The exclusive lock
   * on the checkpoints waits for a live projector batch in flight and holds
   * the next one at its first statement. Everything the projector applied was
   * read by the relay below an older snapshot xmin than the one taken here,
   * so catching up to this xmin covers it; events above it reach the new
   * tables through the projector after the swap. Returns the events applied.
   */
  async function swap(
    plan: { jobId: string; shadow: string; retired: string; cursor: Cursor; done: number },
  ): Promise<number> {
    const { jobId, shadow, retired } = plan;
    for (let attempt = 1;; attempt++) {
      try {
        const done = await readSql.begin(async (tx) => {
          await tx`lock table public.projector_checkpoints in exclusive mode`;
          await tx.unsafe(`set local search_path to ${shadow}`);
          const [{ xmin }] = await eventSql<{ xmin: string }[]>`
            select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`;
          const horizon = BigInt(xmin);
          let cursor = plan.cursor;
          let done = plan.done;
          for (;;) {
            const page = await readPage(cursor);
            const below = page.entries.filter((e) => BigInt(e.row.transaction_id) < horizon);
            if (below.length > 0) await applyPage(tx, below);
            done += below.length;
            cursor = page.cursor;
            if (below.length < batchSize) break;
          }
          // Readers queue behind a waiting ACCESS EXCLUSIVE request: do not wait long.
          await tx`set local lock_timeout = '5s'`;
          const live = PROJECTION_TABLES.map((t) => `public.${t}`).join(", ");
          await tx.unsafe(`lock table ${live} in access exclusive mode`);
          await tx.unsafe(`create schema ${retired}`);
          for (const table of PROJECTION_TABLES) {
            await tx.unsafe(`alter table public.${table} set schema ${retired}`);
            await tx.unsafe(`alter table ${shadow}.${table} set schema public`);
          }
          // New tables carry no grants: give the process roles theirs back (see roles.ts).
          await tx.unsafe(grantReadSql());
          await tx`update public.restore_jobs
                   set status = 'done', done = ${done}, total = greatest(total, ${done}),
                       finished_at = now()
                   where id = ${jobId}`;
          return done;
        });
        for (const schema of [retired, shadow]) {
          await readSql.unsafe(`drop schema if exists ${schema} cascade`).catch((error) =>
            logger.warn("restore could not drop a schema; the next restore will", {
              schema,
              error: String(error),
            })
          );
        }
        return done;
      } catch (error) {
        const code = (error as { code?: string }).code;
        const transient = code === "55P03" || code === "40P01"; // lock timeout, deadlock
        if (!transient || attempt >= SWAP_ATTEMPTS) throw error;
        logger.warn("restore swap retried", { jobId, attempt, error: String(error) });
      }
    }
  }

  return { start, run, job };
}

function toJob(row: JobRow): RestoreJob {
  const total = Number(row.total);
  const done = Number(row.done);
  const percent = row.status === "done"
    ? 100
    : total > 0
    ? Math.min(99, Math.floor((done * 100) / total))
    : 0;
  return {
    id: row.id,
    status: row.status,
    requestedBy: row.requested_by,
    total,
    done,
    percent,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
