/**
 * docker-compose.yml, the Dockerfile and .dockerignore, checked without a
 * Docker engine: the services, their ports, health checks and start order,
 * the least-privilege database roles, and that each app container gets a
 * configuration the app itself accepts (and nothing it ignores), with Kafka
 * and PostgreSQL reached by service name. With a Docker engine, the last test
 * builds the image and brings the stack up to healthy.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { z } from "zod";
import { configSchema, loadConfig } from "../infra/config.ts";

const root = new URL("../", import.meta.url);

const healthcheck = z.object({
  test: z.array(z.string()).min(2),
  interval: z.string(),
  timeout: z.string(),
  retries: z.number().int().min(1),
  start_period: z.string().optional(),
});

const service = z.object({
  image: z.string().optional(),
  build: z.union([z.string(), z.object({ context: z.string() })]).optional(),
  restart: z.string().optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  ports: z.array(z.string()).default([]),
  volumes: z.array(z.string()).default([]),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).default({}),
  healthcheck: healthcheck.optional(),
});

const composeFile = z.object({
  services: z.record(z.string(), service),
  volumes: z.record(z.string(), z.unknown().nullable()).default({}),
});

type Service = z.output<typeof service>;

async function compose() {
  const text = await Deno.readTextFile(new URL("docker-compose.yml", root));
  // Compose honours YAML merge keys (`<<: *anchor`), as does `merge: true`.
  return composeFile.parse(parse(text, { merge: true }));
}

/** What a shell would set: the one variable compose insists on. */
const SHELL = { SESSION_SECRET: "a-test-session-secret-of-32-chars-or-more" };

/**
 * Compose's interpolation: `${X}`, `${X:-default}`, `${X-default}`,
 * `${X:?message}` (an error when X is unset or empty), with `vars` as the shell.
 */
function interpolate(value: string | number, vars: Record<string, string> = SHELL): string {
  return String(value).replace(
    /\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g,
    (_, name: string, colon: string, op?: string, arg?: string) => {
      const set = vars[name];
      const missing = set === undefined || (colon === ":" && set === "");
      if (op === "?" && missing) throw new Error(`${name}: ${arg}`);
      if (op === "-" && missing) return arg ?? "";
      return set ?? "";
    },
  );
}

function env(s: Service, vars?: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s.environment).map(([k, v]) => [k, interpolate(v, vars)]),
  );
}

/** Host and port of each `host:port` in a comma-separated broker list. */
function brokers(list: string): { host: string; port: number }[] {
  return list.split(",").map((b) => {
    const [host, port] = b.trim().split(":");
    return { host, port: Number(port) };
  });
}

/** `NAME://host:port,...` -> name -> { host, port }. */
function listeners(value: string): Map<string, { host: string; port: number }> {
  return new Map(
    value.split(",").map((l) => {
      const match = l.trim().match(/^([A-Z_]+):\/\/([^:]*):(\d+)$/);
      assert.ok(match, `listener ${l}`);
      return [match[1], { host: match[2], port: Number(match[3]) }];
    }),
  );
}

const APPS = ["migrate", "web", "worker"] as const;

Deno.test("Compose - the five services, the named volumes they mount", async () => {
  const { services, volumes } = await compose();
  assert.deepEqual(Object.keys(services).sort(), ["kafka", "migrate", "postgres", "web", "worker"]);
  assert.match(services.postgres.image ?? "", /^postgres:17(\.|$)/);
  assert.match(services.kafka.image ?? "", /^apache\/kafka:\d/);
  assert.ok(services.postgres.volumes.includes("postgres-data:/var/lib/postgresql/data"));
  assert.ok(services.kafka.volumes.includes("kafka-data:/var/lib/kafka/data"));
  assert.equal(env(services.kafka).KAFKA_LOG_DIRS, "/var/lib/kafka/data");
  for (const s of Object.values(services)) {
    for (const v of s.volumes) {
      const name = v.split(":")[0];
      assert.ok(name in volumes, `volume ${name} is declared at the top level`);
    }
  }
});

Deno.test("Compose - health checks: pg_isready, the broker API, web's and worker's /health", async () => {
  const { services } = await compose();
  const pg = services.postgres.healthcheck;
  assert.ok(pg, "postgres has a health check");
  assert.match(pg.test.join(" "), /pg_isready -U agora -d agora/);

  const kafka = services.kafka.healthcheck;
  assert.ok(kafka, "kafka has a health check");
  assert.match(kafka.test.join(" "), /kafka-broker-api-versions\.sh --bootstrap-server kafka:9092/);

  const web = services.web.healthcheck;
  assert.ok(web, "web has a health check");
  assert.equal(web.test[0], "CMD");
  assert.match(web.test.join(" "), /fetch\('http:\/\/127\.0\.0\.1:8000\/health'\)/);
  assert.equal(env(services.web).PORT, "8000");
  // The server listens on every interface by default (LISTEN_HOST), so 127.0.0.1 reaches it.
  assert.equal(loadConfig(env(services.web)).LISTEN_HOST, "0.0.0.0");
  assert.equal(
    env(services.web).HOSTNAME,
    undefined,
    "HOSTNAME is Docker's container id, not read",
  );

  const worker = services.worker.healthcheck;
  assert.ok(worker, "worker has a health check");
  assert.equal(worker.test[0], "CMD");
  const port = env(services.worker).HEALTH_PORT;
  assert.ok(port, "the worker serves /health on HEALTH_PORT");
  assert.ok(
    worker.test.join(" ").includes(`fetch('http://127.0.0.1:${port}/health')`),
    "the worker's check asks its HEALTH_PORT",
  );
  assert.equal(services.migrate.healthcheck, undefined, "migrate runs once and exits");
});

Deno.test("Compose - start order: migrate after postgres, web and worker after migrate", async () => {
  const { services } = await compose();
  assert.ok(services.web.ports.includes("8000:8000"));
  assert.deepEqual(services.worker.ports, [], "the worker's health port stays inside");
  assert.deepEqual(services.postgres.ports, [], "postgres stays inside the compose network");
  assert.deepEqual(services.migrate.depends_on, { postgres: { condition: "service_healthy" } });
  assert.deepEqual(services.web.depends_on, {
    migrate: { condition: "service_completed_successfully" },
  }, "web needs the migrations and roles, not Kafka");
  assert.deepEqual(services.worker.depends_on, {
    migrate: { condition: "service_completed_successfully" },
    kafka: { condition: "service_healthy" },
  });
  for (const name of APPS) {
    const s = services[name];
    assert.deepEqual(s.build, ".", `${name} is built from the repository's Dockerfile`);
    assert.equal(s.image, "agora-app", "the app services share one image");
  }
  assert.equal(services.migrate.restart, "no", "a one-shot service");
  assert.deepEqual(services.migrate.command, [
    "deno",
    "task",
    "db:roles",
    "--apply",
    "--password-from-env",
  ]);
  assert.deepEqual(services.web.command, ["deno", "task", "serve"]);
  assert.deepEqual(services.worker.command, ["deno", "task", "worker"]);
});

Deno.test("Compose - no default SESSION_SECRET: compose refuses to start without one", async () => {
  const { services } = await compose();
  assert.throws(
    () => env(services.web, {}),
    /^Error: SESSION_SECRET: set SESSION_SECRET \(32\+ characters, e\.g\. openssl rand -base64 32\)$/,
  );
  assert.throws(() => env(services.web, { SESSION_SECRET: "" }), /SESSION_SECRET: set/);
  assert.equal(env(services.web).SESSION_SECRET, SHELL.SESSION_SECRET);
});

Deno.test("Compose - each process on its least-privilege role; migrate as the owner creates them", async () => {
  const { services } = await compose();
  const pg = env(services.postgres);
  const user = (name: string) => new URL(env(services[name]).DATABASE_URL);
  const migrate = env(services.migrate);
  const owner = user("migrate");
  assert.equal(owner.username, pg.POSTGRES_USER);
  assert.equal(owner.password, pg.POSTGRES_PASSWORD);
  const roles = {
    web: ["agora_command", "AGORA_COMMAND_PASSWORD"],
    worker: ["agora_worker", "AGORA_WORKER_PASSWORD"],
  };
  for (const [name, [role, password]] of Object.entries(roles)) {
    const url = user(name);
    assert.equal(url.username, role, `${name} connects as ${role}`);
    assert.equal(
      decodeURIComponent(url.password),
      migrate[password],
      `${name}: migrate's password`,
    );
  }
  for (const key of ["AGORA_COMMAND_PASSWORD", "AGORA_QUERY_PASSWORD", "AGORA_WORKER_PASSWORD"]) {
    assert.ok(migrate[key], `migrate sets ${key} (--password-from-env)`);
  }
  // PostgreSQL by service name, in the database the postgres service creates.
  for (const name of APPS) {
    const url = user(name);
    assert.equal(url.hostname, "postgres");
    assert.equal(url.port, "5432");
    assert.equal(url.pathname, `/${pg.POSTGRES_DB}`);
  }
});

Deno.test("Compose - each app container's settings are valid for the app, and none is dead", async () => {
  const { services } = await compose();
  const known = new Set(Object.keys(configSchema.shape));
  for (const name of APPS) {
    const settings = env(services[name]);
    for (const key of Object.keys(settings)) {
      assert.ok(known.has(key), `${name}: ${key} is not a setting the app reads`);
    }
    loadConfig(settings); // throws a ConfigError naming the problem
  }
  const web = env(services.web);
  const worker = env(services.worker);
  assert.equal(loadConfig(web).ROLE, "web");
  assert.equal(worker.ROLE, undefined, "deno task worker is the worker whatever ROLE says");
  assert.ok(!Object.keys(web).some((k) => k.startsWith("KAFKA_")), "web (ROLE=web) uses no bus");
  assert.equal(worker.SESSION_SECRET, undefined, "the worker signs no sessions");
  for (const key of ["DATABASE_URL", "KAFKA_BROKERS", "KAFKA_TOPIC", "KAFKA_GROUP_ID"]) {
    assert.ok(worker[key], `worker has ${key}`);
  }
});

Deno.test("Compose - Kafka in KRaft: the apps' brokers are a listener advertised by service name", async () => {
  const { services } = await compose();
  const k = env(services.kafka);
  assert.equal(k.KAFKA_PROCESS_ROLES, "broker,controller");
  assert.ok(k.CLUSTER_ID, "a fixed cluster id formats the storage once");
  assert.equal(k.KAFKA_CONTROLLER_QUORUM_VOTERS, `${k.KAFKA_NODE_ID}@kafka:9093`);
  for (
    const key of [
      "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
      "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
      "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
      "KAFKA_DEFAULT_REPLICATION_FACTOR",
    ]
  ) assert.equal(k[key], "1", `${key} = 1 on a single node`);

  const bound = listeners(k.KAFKA_LISTENERS);
  const advertised = listeners(k.KAFKA_ADVERTISED_LISTENERS);
  const protocols = new Map(
    k.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP.split(",").map((p) => p.split(":") as [string, string]),
  );
  for (const name of bound.keys()) assert.ok(protocols.has(name), `${name} has a protocol`);
  const controller = k.KAFKA_CONTROLLER_LISTENER_NAMES;
  assert.equal(bound.get(controller)?.port, 9093, "the controller listener is bound");
  assert.ok(!advertised.has(controller), "the controller listener is not advertised");
  assert.ok(advertised.has(k.KAFKA_INTER_BROKER_LISTENER_NAME));

  for (const name of ["worker"]) {
    for (const broker of brokers(env(services[name]).KAFKA_BROKERS)) {
      assert.equal(broker.host, "kafka", `${name} reaches Kafka by service name`);
      const listener = [...advertised].find(([, a]) =>
        a.host === "kafka" && a.port === broker.port
      );
      assert.ok(listener, `${name}'s broker ${broker.host}:${broker.port} is advertised`);
      assert.equal(bound.get(listener[0])?.port, broker.port, "and bound on that port");
    }
  }
  // The host-side listener is published on loopback only and advertised as localhost.
  assert.deepEqual(services.kafka.ports, ["127.0.0.1:29092:29092"]);
  assert.deepEqual(advertised.get("EXTERNAL"), { host: "localhost", port: 29092 });
});

Deno.test("Compose - the Dockerfile: Deno 2.9, built once at image build, served without a rebuild", async () => {
  const text = await Deno.readTextFile(new URL("Dockerfile", root));
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const stages = lines.filter((l) => l.startsWith("FROM "));
  assert.ok(stages.length >= 1);
  for (const from of stages) assert.match(from, /^FROM denoland\/deno:2\.9\.\d+( AS \w+)?$/);
  const final = lines.slice(lines.lastIndexOf(stages.at(-1)!));
  assert.ok(final.includes("USER deno"), "the app does not run as root");
  assert.ok(final.some((l) => /^RUN deno install --frozen$/.test(l)), "locked dependencies");
  assert.ok(final.some((l) => /^COPY (--chown=deno:deno )?\. \.$/.test(l)), "every source");
  assert.ok(final.some((l) => /^RUN deno task build\b/.test(l)), "built into the image");
  assert.ok(final.includes("EXPOSE 8000"));
  assert.equal(final.at(-1), `CMD ["deno", "task", "serve"]`);
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).tasks;
  for (const task of ["build", "serve", "worker", "db:roles"]) {
    assert.ok(tasks[task], `deno task ${task}`);
  }
  assert.doesNotMatch(tasks.serve, /\bbuild\b/, "serve does not rebuild at every start");
});

Deno.test("Compose - .dockerignore keeps secrets, history and local output out of the image", async () => {
  const lines = (await Deno.readTextFile(new URL(".dockerignore", root))).split("\n")
    .map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  for (
    const path of [".env", ".env.*", ".git", "node_modules", ".data", "_build", "test-results"]
  ) {
    assert.ok(lines.includes(path), `${path} is ignored`);
  }
});

/** True when a Docker engine answers (`docker info`). */
async function dockerAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("docker", { args: ["info"], stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false; // no docker binary
  }
}

const docker = await dockerAvailable();
if (!docker) {
  console.warn(
    "Compose - docker compose up: skipped, no Docker engine here (`docker info` failed)",
  );
}

Deno.test({
  name: "Compose - docker compose up --build: every service healthy, migrate exited 0",
  ignore: !docker,
  async fn() {
    const project = `agora-test-${crypto.randomUUID().slice(0, 8)}`;
    const run = async (...args: string[]) => {
      const out = await new Deno.Command("docker", {
        args: ["compose", "-p", project, ...args],
        cwd: root,
        env: { SESSION_SECRET: SHELL.SESSION_SECRET },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      if (!out.success) throw new Error(`docker compose ${args.join(" ")}:\n${text}`);
      return text;
    };
    try {
      // --wait: returns once every service is healthy (or exited 0, for migrate); bounded.
      await run("up", "--build", "--detach", "--wait", "--wait-timeout", "300");
      const lines = (await run("ps", "--all", "--format", "json")).trim().split("\n");
      const states: { Service: string; Health: string; ExitCode: number }[] = lines.map((l) =>
        JSON.parse(l)
      );
      for (const name of ["postgres", "kafka", "web", "worker"]) {
        const state = states.find((x) => x.Service === name);
        assert.equal(state?.Health, "healthy", `${name} is healthy`);
      }
      assert.equal(states.find((x) => x.Service === "migrate")?.ExitCode, 0, "migrate exited 0");
    } finally {
      await run("down", "--volumes", "--remove-orphans").catch(() => {});
    }
  },
});

Deno.test("Compose - no administrator by default: granted with deno task admin, shown in the file", async () => {
  const text = await Deno.readTextFile(new URL("../docker-compose.yml", import.meta.url));
  assert.ok(!text.includes("ADMIN_USERNAMES"), "no setting makes anyone an administrator");
  assert.match(text, /docker compose exec web deno task admin grant <username>/);
});
