/**
 * Kafka as a managed provider is reached: the local broker's SASL_SSL
 * listener (`scripts/kafka.sh start --secure`: SCRAM-SHA-512, a CA made at
 * start, a client certificate). The whole pipeline runs through it; a wrong
 * password, an unknown CA or a missing topic stop the worker at start with a
 * message naming the setting, within a bound. Starts the secure broker when
 * it is not running (and stops it after); the default broker is never touched.
 */
import { appliedPosition } from "../projections/read_model_progress.ts";
import assert from "node:assert/strict";
import { silentLogger } from "../../app/log.ts";
import { type Config, loadConfig } from "../config.ts";
import { assertVerified, projected, stores, until } from "../pipeline_test_utils.ts";
import { startConfiguredWorker } from "../worker.ts";

const root = new URL("../../", import.meta.url).pathname;
const BOUND_MS = 30_000; // a refused start must fail well within this, never hang

async function kafkaSh(command: string): Promise<{ ok: boolean; output: string }> {
  const out = await new Deno.Command("bash", {
    args: ["scripts/kafka.sh", command, "--secure"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: out.success, output: decode(out.stdout) + decode(out.stderr) };
}

/** The secure broker's client settings (client.env), starting the broker when needed. */
async function secureBroker() {
  const running = (await kafkaSh("status")).ok;
  if (!running) {
    const started = await kafkaSh("start");
    assert.ok(started.ok, `kafka.sh start --secure failed:\n${started.output}`);
  }
  const dir = Deno.env.get("KAFKA_SECURE_DATA") ??
    `${Deno.env.get("KAFKA_CACHE") ?? `${Deno.env.get("HOME")}/.cache/agora/kafka`}/run-secure`;
  const env = Object.fromEntries(
    (await Deno.readTextFile(`${dir}/client.env`)).trim().split("\n").map((line) => {
      const at = line.indexOf("=");
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );
  return {
    env,
    async [Symbol.asyncDispose]() {
      if (!running) await kafkaSh("stop");
    },
  };
}

type Stores = Awaited<ReturnType<typeof stores>>;

/** A worker from settings as the app reads them; the failure's message and how long it took. */
async function refusedStart(s: Stores, config: Config): Promise<{ message: string; ms: number }> {
  const t0 = Date.now();
  try {
    const { worker } = await startConfiguredWorker(config, {
      eventSql: s.eventSql,
      readSql: s.readSql,
      logger: silentLogger,
    });
    await worker.stop();
  } catch (error) {
    return { message: error instanceof Error ? error.message : String(error), ms: Date.now() - t0 };
  }
  assert.fail("the worker started");
}

Deno.test({
  name: "Kafka SASL_SSL - pipeline through SCRAM-SHA-512 and TLS; clear start-up errors",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using broker = await secureBroker();
    const settings = (extra: Record<string, string> = {}) =>
      loadConfig({
        ...broker.env,
        KAFKA_TOPIC: `agora.secure.${crypto.randomUUID().slice(0, 8)}`,
        KAFKA_GROUP_ID: `group-${crypto.randomUUID()}`,
        ...extra,
      });

    await t.step("append -> relay -> Kafka -> projector -> read model, over SASL_SSL", async () => {
      await using s = await stores();
      const config = settings();
      assert.equal(config.KAFKA_SASL_MECHANISM, "scram-sha-512");
      const { worker, bus } = await startConfiguredWorker(config, {
        eventSql: s.eventSql,
        readSql: s.readSql,
        logger: silentLogger,
      });
      try {
        assert.equal(bus, `Kafka ${broker.env.KAFKA_BROKERS}`);
        const alice = await s.register("alice");
        const { postId, position } = await s.mediator.send(
          { type: "CreatePost", message: "over TLS" },
          alice,
        );
        await s.mediator.send({ type: "LikePost", postId }, alice);
        await until(s.readSql, async () => {
          const [row] = await s.readSql`select likes from posts where id = ${postId}`;
          return row?.likes === 1;
        }, { what: "the post and its like in the read model", timeoutMs: 60_000 });
        const [post] = await s.readSql`select message, author_name from posts where id = ${postId}`;
        assert.deepEqual({ ...post }, { message: "over TLS", author_name: "alice" });
        const maxPosition = await appliedPosition(s.readSql);
        assert.ok(maxPosition > position);
        // Every event (the sign-up too, on another partition) before the verifier.
        await projected(s, { timeoutMs: 60_000 });
        await assertVerified(s);
      } finally {
        await worker.stop();
      }
    });

    await t.step("a wrong password: refused at start, naming the SASL settings", async () => {
      await using s = await stores();
      const { message, ms } = await refusedStart(
        s,
        settings({ KAFKA_SASL_PASSWORD: "not-the-password" }),
      );
      assert.match(message, /refused the login: check KAFKA_SASL_MECHANISM \(scram-sha-512\)/);
      assert.match(message, /KAFKA_SASL_USERNAME \(agora\) and KAFKA_SASL_PASSWORD/);
      assert.ok(!message.includes("not-the-password"), "the password is not in the message");
      assert.ok(ms < BOUND_MS, `failed after ${ms} ms`);
    });

    await t.step(
      "an unknown CA (another CA's file, or none): refused, naming the CA setting",
      async () => {
        await using s = await stores();
        const dir = await Deno.makeTempDir();
        try {
          const other = await new Deno.Command("openssl", {
            args: [
              "req",
              "-x509",
              "-newkey",
              "rsa:2048",
              "-nodes",
              "-days",
              "1",
              "-subj",
              "/CN=other",
            ]
              .concat(["-keyout", `${dir}/other.key`, "-out", `${dir}/other.crt`]),
            stdout: "null",
            stderr: "null",
          }).output();
          assert.ok(other.success, "openssl made another CA");
          for (
            const tls of [{ KAFKA_SSL_CA_FILE: `${dir}/other.crt` }, { KAFKA_SSL_CA_FILE: "" }]
          ) {
            // "": unset (the loader drops empty settings), so the system's roots are trusted.
            const { message, ms } = await refusedStart(s, settings({ ...tls, KAFKA_SSL: "true" }));
            assert.match(message, /TLS failed, the broker's certificate is not trusted/);
            assert.match(message, /set KAFKA_SSL_CA_FILE/);
            assert.ok(ms < BOUND_MS, `failed after ${ms} ms`);
          }
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );

    await t.step(
      "KAFKA_CREATE_TOPICS=false and no such topic: refused, naming the topic",
      async () => {
        await using s = await stores();
        const config = settings({ KAFKA_CREATE_TOPICS: "false" });
        const { message } = await refusedStart(s, config);
        assert.match(
          message,
          new RegExp(`topic ${config.KAFKA_TOPIC.replaceAll(".", "\\.")} does not exist`),
        );
        assert.match(message, /KAFKA_CREATE_TOPICS=false/);
      },
    );

    await t.step(
      "TLS forgotten (plaintext to the SASL_SSL listener): refused, naming KAFKA_SSL",
      async () => {
        await using s = await stores();
        const plaintext = {
          KAFKA_SSL_CA_FILE: "",
          KAFKA_SSL_CERT_FILE: "",
          KAFKA_SSL_KEY_FILE: "",
        };
        const { message, ms } = await refusedStart(s, settings(plaintext));
        assert.match(message, /closed the connection: a TLS listener .* needs KAFKA_SSL=true/);
        assert.ok(ms < BOUND_MS, `failed after ${ms} ms`);
      },
    );

    await t.step("the worker process: a wrong password exits 1 with one clear line", async () => {
      await using s = await stores();
      const t0 = Date.now();
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "worker.ts"],
        cwd: root,
        env: {
          ...broker.env,
          DATABASE_URL: s.eventDb.url,
          KAFKA_SASL_PASSWORD: "not-the-password",
          KAFKA_TOPIC: `agora.secure.${crypto.randomUUID().slice(0, 8)}`,
          LOG_LEVEL: "error",
        },
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(BOUND_MS * 2),
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 1, stderr);
      assert.match(stderr, /worker: cannot start: Kafka at 127\.0\.0\.1:\d+ refused the login/);
      assert.ok(!stderr.includes("not-the-password"));
      assert.ok(Date.now() - t0 < BOUND_MS * 2);
    });
  },
});
