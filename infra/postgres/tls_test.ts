/**
 * PostgreSQL over TLS that verifies, against a real server: a throwaway
 * cluster (pg_createcluster, PostgreSQL 15, another port) with ssl=on, a
 * certificate for `localhost` signed by a CA made here, and only hostssl
 * lines in pg_hba.conf. Needs root (pg_createcluster) and openssl.
 */
import assert from "node:assert/strict";
import { connect, databaseTls } from "./connect.ts";
import { freePort } from "../../tests/processes.ts";

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}${text}`);
  }
  return text;
}

function available(cmd: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`] }).outputSync().success;
  } catch {
    return false;
  }
}

const missing = ["pg_createcluster", "pg_dropcluster", "openssl"].filter((c) => !available(c));
const ignore = Deno.uid() !== 0 || missing.length > 0;
if (ignore) {
  console.warn(
    `PostgreSQL TLS tests skipped: ${
      Deno.uid() !== 0 ? "they need root (pg_createcluster)" : `${missing.join(", ")} not installed`
    }`,
  );
}

/** A CA and a certificate for `localhost` it signed; a second, unrelated CA. */
async function certificates(dir: string) {
  const ca = async (name: string) => {
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
    ], dir);
  };
  await ca("agora-test-ca");
  await ca("other-ca");
  await run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  ], dir);
  // Only the name localhost: 127.0.0.1 is a host name mismatch.
  await Deno.writeTextFile(`${dir}/san.ext`, "subjectAltName=DNS:localhost\n");
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "agora-test-ca.crt",
    "-CAkey",
    "agora-test-ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "san.ext",
    "-out",
    "server.crt",
  ], dir);
  // The server runs as postgres and refuses a key others can read.
  await run("chown", ["postgres:postgres", `${dir}/server.key`, `${dir}/server.crt`]);
  await Deno.chmod(`${dir}/server.key`, 0o600);
  await Deno.chmod(dir, 0o755);
  return { ca: `${dir}/agora-test-ca.crt`, otherCa: `${dir}/other-ca.crt` };
}

/** A PostgreSQL 15 cluster with TLS on a free port, dropped on dispose. */
async function tlsCluster() {
  const dir = await Deno.makeTempDir({ prefix: "agora-pg-tls-" });
  const name = `agora_tls_${crypto.randomUUID().slice(0, 8)}`;
  const version = (await run("sh", ["-c", "ls /usr/lib/postgresql | sort -n | tail -1"])).trim();
  const port = freePort();
  const dispose = async () => {
    await run("pg_dropcluster", ["--stop", version, name]).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  };
  try {
    const files = await certificates(dir);
    await run("pg_createcluster", [
      version,
      name,
      "-p",
      String(port),
      "--start-conf=manual",
      "-o",
      "listen_addresses=localhost",
    ]);
    // A conf.d file, not -o: pg_createcluster turns ssl off when its snakeoil certificate is missing.
    const conf = `/etc/postgresql/${version}/${name}`;
    await Deno.writeTextFile(
      `${conf}/conf.d/agora_tls.conf`,
      `ssl = on\nssl_cert_file = '${dir}/server.crt'\nssl_key_file = '${dir}/server.key'\n`,
    );
    // TLS only, no password: the tests are about the certificate, not the login.
    await Deno.writeTextFile(
      `${conf}/pg_hba.conf`,
      "local all all peer\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
    );
    await run("pg_ctlcluster", [version, name, "start"]);
    return { port, ...files, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

async function serverSsl(url: string, env: Record<string, string>): Promise<boolean> {
  const sql = connect(url, { max: 1, tls: await databaseTls(url, env) });
  try {
    const [row] = await sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
    return row.ssl;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function failure(url: string, env: Record<string, string>): Promise<string> {
  const sql = connect(url, { max: 1, tls: await databaseTls(url, env) });
  try {
    await sql`select 1`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
  assert.fail(`connecting to ${url} succeeded`);
}

Deno.test({
  name: "PostgreSQL TLS - verify-full with the right CA, a wrong CA, a host name mismatch",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using cluster = await tlsCluster();
    const url = (host: string, query = "sslmode=verify-full") =>
      `postgres://postgres@${host}:${cluster.port}/postgres?${query}`;

    await t.step("the right CA (DATABASE_CA_FILE): connected, over TLS", async () => {
      assert.equal(await serverSsl(url("localhost"), { DATABASE_CA_FILE: cluster.ca }), true);
    });
    await t.step("the right CA from PGSSLROOTCERT or the URL's sslrootcert", async () => {
      assert.equal(await serverSsl(url("localhost"), { PGSSLROOTCERT: cluster.ca }), true);
      const inUrl = url("localhost", `sslmode=verify-full&sslrootcert=${cluster.ca}`);
      assert.equal(await serverSsl(inUrl, {}), true);
    });
    await t.step("a wrong CA: refused, saying the certificate is not trusted", async () => {
      const message = await failure(url("localhost"), { DATABASE_CA_FILE: cluster.otherCa });
      assert.match(message, /certificate|issuer|UnknownIssuer/i);
    });
    await t.step("no CA: the system's roots do not know the test CA", async () => {
      const message = await failure(url("localhost"), {});
      assert.match(message, /certificate|issuer|UnknownIssuer/i);
    });
    await t.step("the right CA, another host name (127.0.0.1): refused", async () => {
      const message = await failure(url("127.0.0.1"), { DATABASE_CA_FILE: cluster.ca });
      assert.match(message, /name|NotValidForName|altname|IP/i);
    });
    await t.step("sslmode=require encrypts without checking (why verify-full)", async () => {
      assert.equal(await serverSsl(url("127.0.0.1", "sslmode=require"), {}), true);
    });
  },
});

Deno.test("PostgreSQL TLS - a CA file without verify-full is a configuration error", async () => {
  await assert.rejects(
    databaseTls("postgres://u@db.example/agora?sslmode=require", { DATABASE_CA_FILE: "/x.crt" }),
    /DATABASE_CA_FILE is set but the URL's sslmode is require: add \?sslmode=verify-full/,
  );
  await assert.rejects(
    databaseTls("postgres://u@db.example/agora?sslmode=verify-full", {
      DATABASE_CA_FILE: "/nonexistent/ca.crt",
    }),
    /DATABASE_CA_FILE: cannot read \/nonexistent\/ca\.crt/,
  );
  // PGSSLROOTCERT set for other tools does not matter without verify-full.
  assert.deepEqual(
    await databaseTls("postgres://u@db.example/agora", { PGSSLROOTCERT: "/nonexistent" }),
    {},
  );
});
