import { z } from "zod";

const list = z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean));
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const pgUrl = z.string().regex(/^postgres(ql)?:\/\//, {
  error: "must be a postgres:// or postgresql:// URL",
});

/** Every setting, read from the environment and validated at start. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000), // 0: any free port (tests)
  DATABASE_URL: pgUrl.optional(),
  READ_DATABASE_URL: pgUrl.optional(),
  /** Connections per pool (each process has one per database): budget them against max_connections. */
  PG_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /** CA (PEM) that signed the database's certificate; needs `sslmode=verify-full` in the URL. */
  DATABASE_CA_FILE: z.string().min(1).optional(),
  KAFKA_BROKERS: list.optional(),
  KAFKA_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/).default("agora.events"),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  KAFKA_GROUP_ID: z.string().min(1).default("agora-projector"),
  KAFKA_CLIENT_ID: z.string().min(1).default("agora"),
  KAFKA_SSL: bool.default(false),
  /** TLS files (PEM); any of them turns TLS on. Cert and key: a client certificate (Aiven). */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  /** Replicas of the topic when the app creates it (default: 3 with SASL or TLS, else 1). */
  KAFKA_TOPIC_REPLICATION: z.coerce.number().int().min(1).max(32).optional(),
  /** false: the topic is created by the provider (or an operator); the app only checks it exists. */
  KAFKA_CREATE_TOPICS: bool.default(true),
  /** Events of one stream per Kafka message; 1 = one message per event (releases before runs). */
  KAFKA_EVENTS_PER_MESSAGE: z.coerce.number().int().min(1).max(10_000).default(500),
  KAFKA_SASL_MECHANISM: z.enum(["plain", "scram-sha-256", "scram-sha-512"]).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  SESSION_SECRET: z.string().min(32, { error: "must be at least 32 characters" }).optional(),
  /** The secret before the last rotation: its sessions stay valid and move to SESSION_SECRET. */
  SESSION_SECRET_PREVIOUS: z.string().min(32, { error: "must be at least 32 characters" })
    .optional(),
  /** Public origin, e.g. https://agora.example; https turns on HSTS and Secure cookies. */
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .optional(),
  /** Proxies in front whose X-Forwarded-For/-Proto are believed: 0 (none), 1, or a hop count. */
  TRUST_PROXY: z.enum(["true", "false"]).transform((v) => v === "true" ? 1 : 0)
    .or(z.coerce.number().int().min(0).max(10)).default(0),
  /** Writes (API and page POSTs) per client per minute; 0 turns the limit off. */
  RATE_LIMIT_WRITES_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(60),
  /** Writes a client may send at once before the per-minute rate applies. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Failed sign-ins per account within SIGNIN_WINDOW_S before further tries get 429. */
  SIGNIN_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(10),
  SIGNIN_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(900),
  /** Password hashes running at once per process (each takes about 32 MiB); more wait in line. */
  SIGNIN_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * How long a web process reuses a session lookup (ms); 0: every request reads the session
   * table. Sign-out still ends a session at once in every process (NOTIFY sessions_ended).
   */
  SESSION_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  /** A session unused this long is refused (default 7 days). */
  SESSION_IDLE_S: z.coerce.number().int().min(60).max(31_536_000).default(604_800),
  /**
   * Rendered feed, post and profile pages kept per web process (0: none). A page is
   * served again only while the read model's generation is the one it was rendered at.
   */
  PAGE_CACHE_ENTRIES: z.coerce.number().int().min(0).max(100_000).default(256),
  /** How long a rendered page may be served again (ms): bounds how old "3 min ago" gets. */
  PAGE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Live update streams open at once per client address; 429 beyond. */
  LIVE_STREAMS_PER_CLIENT: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Live update streams open at once in this process; 503 beyond. */
  LIVE_STREAMS_MAX: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Bearer token for /metrics and /ready details from other than loopback. */
  METRICS_TOKEN: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
  ROLE: z.enum(["all", "web", "command", "query", "worker"]).default("all"),
  /**
   * Web servers in this process, each in its own thread on the same port (Linux SO_REUSEPORT):
   * about one per core left to the web process. Ignored on Deno Deploy.
   */
  WEB_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  /** The worker's /health and /metrics port (unset: the worker serves nothing). */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Address the web process (and the worker's health port) listens on. */
  LISTEN_HOST: z.string().min(1).default("0.0.0.0"),
  /** Where the embedded PostgreSQL keeps its data when DATABASE_URL is unset. */
  DATA_DIR: z.string().min(1).default(".data"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Passwords `deno task db:roles --password-from-env` sets for the process roles. */
  AGORA_COMMAND_PASSWORD: z.string().min(1).optional(),
  AGORA_QUERY_PASSWORD: z.string().min(1).optional(),
  AGORA_WORKER_PASSWORD: z.string().min(1).optional(),
  /** Set by Deno Deploy in every isolate: Deploy mode (see {@link loadConfig}). */
  DENO_DEPLOYMENT_ID: z.string().min(1).optional(),
  /** On Deploy: `cron` runs relay and projector in cron ticks; `worker`: a `deno task worker` does. */
  DEPLOY_PIPELINE: z.enum(["cron", "worker"]).default("cron"),
  /** Enables `POST /internal/pipeline-tick` with this bearer token (unset: no such route). */
  PIPELINE_TICK_TOKEN: z.string().min(32, { error: "must be at least 32 characters" }).optional(),
  /** How long one cron tick of the pipeline may run (Deploy mode). */
  PIPELINE_TICK_BUDGET_MS: z.coerce.number().int().min(1000).max(600_000).default(50_000),
}).superRefine((c, ctx) => {
  if (c.SESSION_SECRET_PREVIOUS && !c.SESSION_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["SESSION_SECRET_PREVIOUS"],
      message: "needs SESSION_SECRET too (the new secret the sessions move to)",
    });
  }
  if (c.WEB_THREADS > 1 && c.PORT === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["WEB_THREADS"],
      message: "needs a fixed PORT (threads share one port)",
    });
  }
  if (c.DENO_DEPLOYMENT_ID && !c.DATABASE_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["DATABASE_URL"],
      message: "required on Deno Deploy (DENO_DEPLOYMENT_ID is set): there is no embedded " +
        "database there; set it to the managed PostgreSQL's URL",
    });
  }
  if (c.READ_DATABASE_URL && !c.DATABASE_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["READ_DATABASE_URL"],
      message: "needs DATABASE_URL too (the embedded database holds both stores)",
    });
  }
  if (Boolean(c.KAFKA_SSL_CERT_FILE) !== Boolean(c.KAFKA_SSL_KEY_FILE)) {
    ctx.addIssue({
      code: "custom",
      path: [c.KAFKA_SSL_CERT_FILE ? "KAFKA_SSL_KEY_FILE" : "KAFKA_SSL_CERT_FILE"],
      message: "KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate)",
    });
  }
  if (c.KAFKA_SASL_MECHANISM && !(c.KAFKA_SASL_USERNAME && c.KAFKA_SASL_PASSWORD)) {
    ctx.addIssue({
      code: "custom",
      path: ["KAFKA_SASL_USERNAME"],
      message: "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM",
    });
  }
});

/** The validated configuration. */
export type Config = z.output<typeof configSchema>;

/** Invalid settings: the message lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * Reads and validates the configuration; throws ConfigError listing every
 * problem at once. On Deno Deploy (`DENO_DEPLOYMENT_ID` set) `ROLE`
 * defaults to `web` and `DATABASE_URL` is required.
 *
 * @example
 * ```ts
 * const config = loadConfig(Deno.env.toObject());
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  // On Deploy a forgotten ROLE must not start Kafka consumers in every isolate.
  if (present.DENO_DEPLOYMENT_ID && !present.ROLE) present.ROLE = "web";
  const parsed = configSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`),
  );
}

/**
 * Kafka settings of the bus adapter, from the configuration. TLS is on with
 * KAFKA_SSL=true or any KAFKA_SSL_*_FILE; the files are paths here (read at
 * start by `kafkaBusOptions`).
 */
export function kafkaOptions(config: Config) {
  const tlsFiles = {
    ca: config.KAFKA_SSL_CA_FILE,
    cert: config.KAFKA_SSL_CERT_FILE,
    key: config.KAFKA_SSL_KEY_FILE,
  };
  const ssl = config.KAFKA_SSL || Object.values(tlsFiles).some(Boolean);
  return {
    brokers: config.KAFKA_BROKERS ?? [],
    topic: config.KAFKA_TOPIC,
    partitions: config.KAFKA_PARTITIONS,
    // Managed clusters (Confluent Cloud, MSK...) refuse fewer than 3; a local broker has 1.
    replicationFactor: config.KAFKA_TOPIC_REPLICATION ??
      (ssl || config.KAFKA_SASL_MECHANISM ? 3 : 1),
    createTopic: config.KAFKA_CREATE_TOPICS,
    eventsPerMessage: config.KAFKA_EVENTS_PER_MESSAGE,
    clientId: config.KAFKA_CLIENT_ID,
    ssl,
    tlsFiles,
    sasl: config.KAFKA_SASL_MECHANISM
      ? {
        mechanism: config.KAFKA_SASL_MECHANISM,
        username: config.KAFKA_SASL_USERNAME!,
        password: config.KAFKA_SASL_PASSWORD!,
      }
      : undefined,
  };
}
