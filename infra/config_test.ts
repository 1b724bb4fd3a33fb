import assert from "node:assert/strict";
import { ConfigError, kafkaOptions, loadConfig } from "./config.ts";

const invalid: [string, Record<string, string>, RegExp][] = [
  ["PORT", { PORT: "eighty" }, /^PORT: /],
  ["PORT", { PORT: "70000" }, /^PORT: /],
  ["DATABASE_URL", { DATABASE_URL: "mysql://x" }, /^DATABASE_URL: must be a postgres/],
  ["READ_DATABASE_URL", { READ_DATABASE_URL: "http://x" }, /^READ_DATABASE_URL: /],
  ["READ_DATABASE_URL", { READ_DATABASE_URL: "postgres://h/db" }, /needs DATABASE_URL too/],
  ["KAFKA_TOPIC", { KAFKA_TOPIC: "bad topic!" }, /^KAFKA_TOPIC: /],
  ["KAFKA_PARTITIONS", { KAFKA_PARTITIONS: "0" }, /^KAFKA_PARTITIONS: /],
  ["KAFKA_SSL", { KAFKA_SSL: "maybe" }, /^KAFKA_SSL: /],
  ["KAFKA_SASL_MECHANISM", { KAFKA_SASL_MECHANISM: "kerberos" }, /^KAFKA_SASL_MECHANISM: /],
  [
    "KAFKA_SASL_USERNAME",
    { KAFKA_SASL_MECHANISM: "plain" },
    /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/,
  ],
  [
    "KAFKA_SSL_KEY_FILE",
    { KAFKA_SSL_CERT_FILE: "/c.pem" },
    /^KAFKA_SSL_KEY_FILE: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/,
  ],
  ["KAFKA_TOPIC_REPLICATION", { KAFKA_TOPIC_REPLICATION: "0" }, /^KAFKA_TOPIC_REPLICATION: /],
  ["KAFKA_CREATE_TOPICS", { KAFKA_CREATE_TOPICS: "no" }, /^KAFKA_CREATE_TOPICS: /],
  ["SESSION_SECRET", { SESSION_SECRET: "short" }, /^SESSION_SECRET: must be at least 32/],
  ["ROLE", { ROLE: "boss" }, /^ROLE: /],
  ["LOG_LEVEL", { LOG_LEVEL: "loud" }, /^LOG_LEVEL: /],
  ["PG_POOL_MAX", { PG_POOL_MAX: "0" }, /^PG_POOL_MAX: /],
];

for (const [name, env, message] of invalid) {
  Deno.test(`Config - an invalid ${name} (${JSON.stringify(env)}) is named`, () => {
    assert.throws(() => loadConfig(env), (error: ConfigError) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.problems.some((p) => message.test(p)), error.message);
      return true;
    });
  });
}

Deno.test("Config - every problem is listed at once", () => {
  assert.throws(
    () => loadConfig({ PORT: "x", ROLE: "boss", LOG_LEVEL: "loud" }),
    (e: ConfigError) => {
      assert.equal(e.problems.length, 3);
      return true;
    },
  );
});

Deno.test("Config - an empty environment is a valid zero-setup configuration", () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 8000);
  assert.equal(config.ROLE, "all");
  assert.equal(config.DATABASE_URL, undefined);
  assert.equal(config.KAFKA_BROKERS, undefined);
  assert.equal("ADMIN_USERNAMES" in config, false, "administrators are granted, never configured");
});

Deno.test("Config - security limits have safe defaults and are validated", () => {
  const config = loadConfig({});
  assert.equal(config.TRUST_PROXY, 0);
  assert.equal(config.RATE_LIMIT_WRITES_PER_MIN, 60);
  assert.equal(config.RATE_LIMIT_BURST, 20);
  assert.equal(config.SIGNIN_MAX_FAILURES, 10);
  assert.equal(config.SIGNIN_WINDOW_S, 900);
  assert.equal(config.SESSION_IDLE_S, 604_800);
  assert.equal(config.LIVE_STREAMS_PER_CLIENT, 10);
  assert.equal(loadConfig({ TRUST_PROXY: "2" }).TRUST_PROXY, 2);
  assert.equal(loadConfig({ TRUST_PROXY: "true" }).TRUST_PROXY, 1);
  assert.throws(() => loadConfig({ TRUST_PROXY: "-1" }), ConfigError);
  assert.throws(() => loadConfig({ PUBLIC_URL: "ftp://x" }), ConfigError);
  assert.throws(() => loadConfig({ METRICS_TOKEN: "short" }), ConfigError);
  assert.throws(() => loadConfig({ SESSION_IDLE_S: "abc" }), ConfigError);
});

Deno.test("Config - the processes exit non-zero with the message and start nothing", async () => {
  const root = new URL("../", import.meta.url).pathname;
  for (const entry of ["main.ts", "worker.ts"]) {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", entry],
      cwd: root,
      clearEnv: true,
      env: { PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME")!, PORT: "-1", ROLE: "boss" },
    }).output();
    const text = new TextDecoder().decode(stderr);
    assert.equal(code, 2, `${entry}: ${text}`);
    assert.match(text, /invalid configuration/);
    assert.match(text, /PORT: /);
    assert.match(text, /ROLE: /);
  }
});

Deno.test("Config - topic replication: 3 with SASL or TLS (managed Kafka), 1 without, or as set", () => {
  const replication = (env: Record<string, string>) =>
    kafkaOptions(loadConfig({ KAFKA_BROKERS: "b:9092", ...env })).replicationFactor;
  assert.equal(replication({}), 1);
  assert.equal(replication({ KAFKA_SSL: "true" }), 3);
  assert.equal(replication({ KAFKA_SSL_CA_FILE: "/ca.pem" }), 3);
  const sasl = {
    KAFKA_SASL_MECHANISM: "plain",
    KAFKA_SASL_USERNAME: "u",
    KAFKA_SASL_PASSWORD: "p",
  };
  assert.equal(replication(sasl), 3);
  assert.equal(replication({ ...sasl, KAFKA_TOPIC_REPLICATION: "1" }), 1);
  const options = kafkaOptions(
    loadConfig({ KAFKA_SSL_CA_FILE: "/ca.pem", KAFKA_CREATE_TOPICS: "false" }),
  );
  assert.equal(options.ssl, true, "a CA file turns TLS on");
  assert.equal(options.createTopic, false);
});
