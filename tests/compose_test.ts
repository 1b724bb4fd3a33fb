/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine:
 * the services, their ports, health checks and start order, and that each
 * app container gets a configuration the app itself accepts, with Kafka and
 * PostgreSQL reached by service name.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { z } from "zod";
import { loadConfig } from "../infra/config.ts";

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

/** Compose's interpolation with the defaults, as on a machine with none of the variables set. */
function interpolate(value: string | number): string {
  return String(value).replace(
    /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
    (_, _name: string, fallback?: string) => fallback ?? "",
  );
}

function env(s: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, interpolate(v)]));
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

Deno.test("Compose - the four services, the named volumes they mount", async () => {
  const { services, volumes } = await compose();
  assert.deepEqual(Object.keys(services).sort(), ["kafka", "postgres", "web", "worker"]);
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

Deno.test("Compose - health checks: pg_isready, the broker API, the web's /health", async () => {
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
  // The server listens on LISTEN_HOST (default 0.0.0.0), so the health check on 127.0.0.1 and
  // the published port both reach it; HOSTNAME is Docker's container id and is not read.
  assert.equal(env(services.web).LISTEN_HOST ?? "0.0.0.0", "0.0.0.0");
  assert.equal(env(services.web).HOSTNAME, undefined);
  assert.equal(env(services.web).PORT, "8000");
});

Deno.test("Compose - ports and start order: web on 8000, apps wait for healthy services", async () => {
  const { services } = await compose();
  assert.ok(services.web.ports.includes("8000:8000"));
  assert.deepEqual(services.worker.ports, [], "the worker serves nothing");
  assert.deepEqual(services.postgres.ports, [], "postgres stays inside the compose network");
  for (const name of ["web", "worker"]) {
    const s = services[name];
    assert.deepEqual(s.depends_on, {
      postgres: { condition: "service_healthy" },
      kafka: { condition: "service_healthy" },
    }, `${name} starts after healthy postgres and kafka`);
    assert.deepEqual(s.build, ".", `${name} is built from the repository's Dockerfile`);
    assert.equal(s.image, "agora-app", "web and worker share one image");
  }
  assert.deepEqual(services.web.command, ["deno", "task", "start"]);
  assert.deepEqual(services.worker.command, ["deno", "task", "worker"]);
});

Deno.test("Compose - each app container has the configuration its role needs, valid for the app", async () => {
  const { services } = await compose();
  const web = env(services.web);
  const worker = env(services.worker);
  for (const key of ["DATABASE_URL", "KAFKA_BROKERS", "SESSION_SECRET", "ADMIN_USERNAMES"]) {
    assert.ok(web[key], `web has ${key}`);
  }
  for (const key of ["DATABASE_URL", "KAFKA_BROKERS"]) assert.ok(worker[key], `worker has ${key}`);
  assert.equal(web.ROLE, "web");
  assert.equal(worker.ROLE, "worker");
  // The app's own validation accepts them (SESSION_SECRET length, URLs, roles, numbers).
  const webConfig = loadConfig(web);
  const workerConfig = loadConfig(worker);
  assert.equal(webConfig.ROLE, "web");
  assert.equal(workerConfig.ROLE, "worker");
  assert.equal(webConfig.KAFKA_GROUP_ID, workerConfig.KAFKA_GROUP_ID);
  assert.equal(webConfig.KAFKA_TOPIC, workerConfig.KAFKA_TOPIC);

  // PostgreSQL by service name, with the credentials the postgres service creates.
  const pg = env(services.postgres);
  for (const url of [web.DATABASE_URL, worker.DATABASE_URL]) {
    const u = new URL(url);
    assert.equal(u.hostname, "postgres");
    assert.equal(u.port, "5432");
    assert.equal(u.username, pg.POSTGRES_USER);
    assert.equal(u.password, pg.POSTGRES_PASSWORD);
    assert.equal(u.pathname, `/${pg.POSTGRES_DB}`);
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

  for (const name of ["web", "worker"]) {
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

Deno.test("Compose - the Dockerfile: Deno 2.9 image, build at image build, start command", async () => {
  const text = await Deno.readTextFile(new URL("Dockerfile", root));
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const stages = lines.filter((l) => l.startsWith("FROM "));
  assert.ok(stages.length >= 1);
  for (const from of stages) assert.match(from, /^FROM denoland\/deno:2\.9\.\d+( AS \w+)?$/);
  // Every source is copied (new folders too), but not a developer's dependencies or data.
  assert.ok(lines.includes("COPY . ."));
  const cleaned = lines.find((l) => l.startsWith("RUN rm -rf")) ?? "";
  for (const path of ["node_modules", ".data", "_build"]) {
    assert.ok(cleaned.split(" ").includes(path), `${path} is left out`);
  }
  const final = lines.slice(lines.lastIndexOf(stages.at(-1)!));
  assert.ok(final.includes("USER deno"), "the app does not run as root");
  assert.ok(final.some((l) => /^RUN deno install --frozen$/.test(l)), "locked dependencies");
  assert.ok(final.some((l) => /^RUN deno task build\b/.test(l)), "built into the image");
  assert.ok(final.includes("EXPOSE 8000"));
  assert.equal(final.at(-1), `CMD ["deno", "task", "start"]`);
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).tasks;
  for (const task of ["build", "start", "worker"]) assert.ok(tasks[task], `deno task ${task}`);
});
