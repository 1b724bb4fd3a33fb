import { adminCommandHandlers, adminQueryHandlers } from "../app/admin_handlers.ts";
import type { Logger } from "../app/log.ts";
import { type Background, backgroundTasks } from "../app/background.ts";
import { createMediator, type Mediator } from "../app/mediator.ts";
import { Metrics } from "../app/metrics.ts";
import type { EventStore, ProjectionAdmin, SessionStore } from "../app/ports.ts";
import { postCommandHandlers } from "../app/post_handlers.ts";
import { queryHandlers } from "../app/query_handlers.ts";
import { actorOf, userCommandHandlers } from "../app/user_handlers.ts";
import type { Actor } from "../domain/mod.ts";
import type { Config } from "./config.ts";
import { queuedHasher, scryptHasher } from "./password.ts";
import { postgresCredentialStore } from "./postgres/credentials.ts";
import { signInThrottle } from "../app/sign_in_throttle.ts";
import { connect, databaseTls, type Sql } from "./postgres/connect.ts";
import { postgresEventStore } from "./postgres/event_store.ts";
import { migrate } from "./postgres/migrate.ts";
import { postgresSessionStore } from "./postgres/sessions.ts";
import { postgresSnapshotStore } from "./postgres/snapshots.ts";
import { type PostgresReadStore, postgresReadStore } from "./projections/read_store.ts";
import { createRestorer, type Restorer } from "./projections/restore.ts";
import { type ProjectionChanges, projectionChanges } from "./projections/changes.ts";
import { startConfiguredWorker, type Worker } from "./worker.ts";
import { projectionAdmin } from "./projector/projection_admin.ts";
import { SESSIONS_CHANNEL } from "./postgres/tables.ts";
import { recentValue } from "./recent_value.ts";
import { sessionCache } from "./session_cache.ts";

/** Everything a process needs, wired once at start (the composition root). */
export type System = {
  config: Config;
  eventSql: Sql;
  readSql: Sql;
  store: EventStore;
  readStore: PostgresReadStore;
  sessions: SessionStore;
  /** Who a session cookie belongs to (cached for SESSION_CACHE_MS; sign-out is immediate). */
  signedIn(sessionId: string): Promise<Actor | null>;
  /** Tells every process to look the user's sessions up again (their roles changed). */
  rolesChanged(username: string): Promise<void>;
  hasher: ReturnType<typeof queuedHasher>;
  restorer: Restorer;
  projections: ProjectionAdmin;
  mediator: Mediator;
  metrics: Metrics;
  logger: Logger;
  worker: Worker | null;
  /** Projection change notifications (server-sent events). */
  changes: ProjectionChanges;
  /** Aborted when the process starts shutting down: long-lived responses end. */
  closing: AbortSignal;
  /** First step of a shutdown: end live streams so in-flight requests can finish. */
  endLiveStreams(): void;
  /** Graceful stop: worker first (commits its batch), then connections. */
  close(): Promise<void>;
};

/**
 * Connects the stores, applies migrations (not on Deno Deploy: there they
 * are the release step), builds the mediator for the
 * process's role, and starts the worker when the role includes it.
 *
 * @example
 * ```ts
 * const system = await createSystem(loadConfig(Deno.env.toObject()), { logger });
 * ```
 */
export async function createSystem(
  config: Config,
  options: {
    logger: Logger;
    startWorker?: boolean;
    /** Called after each append that stored events (Deploy: nudges the pipeline); must not throw. */
    afterAppend?: () => void;
  },
): Promise<System> {
  const { logger } = options;
  // No DATABASE_URL: a real PostgreSQL started from the npm binaries, on loopback, data in DATA_DIR.
  const embedded = config.DATABASE_URL
    ? null
    // Imported only here: its synchronous file work and binaries stay out of Deploy's start path.
    : await (await import("./postgres/embedded_postgres.ts")).startEmbeddedPostgres({
      dir: `${config.DATA_DIR}/postgres`,
    });
  const eventUrl = config.DATABASE_URL ?? embedded!.url;
  const pool = { name: `agora-${config.ROLE}`, max: config.PG_POOL_MAX };
  const eventSql = connect(eventUrl, {
    ...pool,
    tls: await databaseTls(eventUrl, Deno.env.toObject()),
  });
  const readSql = config.READ_DATABASE_URL
    ? connect(config.READ_DATABASE_URL, {
      ...pool,
      tls: await databaseTls(config.READ_DATABASE_URL, Deno.env.toObject()),
    })
    : eventSql;
  // On Deploy every isolate that boots would migrate: `deno task migrate` is the release step there.
  if (!config.DENO_DEPLOYMENT_ID) {
    await migrate(eventSql, "event_store");
    await migrate(readSql, "read_store");
  }

  const metrics = new Metrics();
  const store = countingAppends(postgresEventStore(eventSql), metrics, options.afterAppend);
  const projectedStore = postgresReadStore(readSql);
  // Every response names the position it reflects: one query per 20 ms serves them all.
  const readStore: PostgresReadStore = {
    ...projectedStore,
    appliedPosition: recentValue(() => projectedStore.appliedPosition(), 20),
  };
  const hasher = queuedHasher(scryptHasher(), { concurrency: config.SIGNIN_HASH_CONCURRENCY });
  const sessionStore = postgresSessionStore(eventSql, {
    secret: config.SESSION_SECRET,
    previousSecret: config.SESSION_SECRET_PREVIOUS,
    idleSeconds: config.SESSION_IDLE_S,
  });
  const signedIn = sessionCache({
    ttlMs: config.SESSION_CACHE_MS,
    async resolve(sessionId) {
      const found = await sessionStore.find(sessionId);
      // Roles come from the user's own stream (administrators are never served from the cache).
      return found ? await actorOf(store, found) : null;
    },
  });
  const sessions: SessionStore = {
    ...sessionStore,
    async delete(id) {
      signedIn.forget(id);
      await sessionStore.delete(id);
    },
  };
  // Other processes' sign-outs and role changes (payload: user id or name); a dropped
  // LISTEN connection costs at most SESSION_CACHE_MS.
  const signOuts = config.SESSION_CACHE_MS > 0
    ? await eventSql.listen(SESSIONS_CHANNEL, (user) => signedIn.forgetUser(user))
    : null;
  const restorer = createRestorer({ eventSql, readSql, logger });
  const projections = projectionAdmin({ eventSql, readSql });
  // A query process serves no command. A command process keeps the queries: a rejected
  // form is re-rendered with the page's data, and the redirect target is read-your-writes.
  const side = config.ROLE === "query" ? "query" : "all";
  // Snapshots move forward off the commands' path; closing lets the ones under way finish.
  const background = backgroundTasks();
  const mediator = createMediator({
    side,
    commands: side === "query" ? [] : [
      ...postCommandHandlers({
        store,
        snapshots: postgresSnapshotStore(eventSql),
        log: logger,
        background,
      }),
      ...userCommandHandlers({
        store,
        hasher,
        sessions,
        credentials: postgresCredentialStore(eventSql),
        throttle: signInThrottle({
          maxFailures: config.SIGNIN_MAX_FAILURES,
          windowSeconds: config.SIGNIN_WINDOW_S,
        }),
      }),
      ...adminCommandHandlers({ restorer, projections }),
    ],
    queries: [
      ...queryHandlers({ readStore, eventStore: store }),
      ...adminQueryHandlers({ restorer, projections }),
    ],
    logger,
    metrics,
  });

  const started = options.startWorker
    ? await startConfiguredWorker(config, { eventSql, readSql, logger, metrics })
    : null;
  const worker: Worker | null = started?.worker ?? null;
  logger.info("stores and bus", {
    database: embedded
      ? `embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${config.DATA_DIR}/postgres`
      : "DATABASE_URL",
    readStore: config.READ_DATABASE_URL ? "READ_DATABASE_URL" : "same database",
    bus: started?.bus ?? "none in this process",
  });

  const changes = projectionChanges(readSql);
  const closing = new AbortController();
  return {
    config,
    changes,
    closing: closing.signal,
    endLiveStreams: () => closing.abort(),
    eventSql,
    readSql,
    store,
    readStore,
    sessions,
    signedIn: (sessionId) => signedIn.actor(sessionId),
    async rolesChanged(username) {
      signedIn.forgetUser(username);
      await eventSql`select pg_notify(${SESSIONS_CHANNEL}, ${username})`;
    },
    hasher,
    restorer,
    projections,
    mediator,
    metrics,
    logger,
    worker,
    async close() {
      closing.abort();
      await worker?.stop();
      // Bounded: a snapshot write stuck on an unreachable database must not hold up shutdown.
      await settledWithin(background, BACKGROUND_GRACE_MS);
      await changes.close();
      await signOuts?.unlisten().catch(() => {});
      await readStore.close();
      await Promise.all([
        eventSql.end({ timeout: 5 }),
        readSql === eventSql ? undefined : readSql.end({ timeout: 5 }),
      ]);
      await embedded?.stop();
    },
  };
}

/** How long closing waits for background work (snapshots moving forward) to end. */
const BACKGROUND_GRACE_MS = 5_000;

/** Resolves once `background` has settled or `ms` have passed, whichever is first. */
async function settledWithin(background: Background, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  try {
    await Promise.race([background.settled(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The event store, counting appended events for /metrics. */
function countingAppends(
  store: EventStore,
  metrics: Metrics,
  afterAppend?: () => void,
): EventStore {
  metrics.describe("events_appended_total", "Events appended to the event store");
  return {
    ...store,
    async append(streamId, events, options) {
      const result = await store.append(streamId, events, options);
      if (!result.duplicate) {
        metrics.inc(
          "events_appended_total",
          { stream_type: streamId.split("-")[0] },
          events.length,
        );
        afterAppend?.();
      }
      return result;
    },
  };
}
