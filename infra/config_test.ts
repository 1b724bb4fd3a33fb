import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

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
  assert.deepEqual(config.ADMIN_USERNAMES, []);
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
