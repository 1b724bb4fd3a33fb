/**
 * Two web processes on one database, each caching sessions: a sign-out on
 * one ends the session on the other at once, and a role change reaches both.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../app/log.ts";
import { loadConfig } from "../infra/config.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { runAdmin } from "../scripts/admin.ts";
import { startServer } from "../server.ts";
import { client, WEB } from "./test_server.ts";

Deno.test("sessions cached in two web processes: sign-out and revoke take effect on both at once", async () => {
  await using db = await tempDatabase("agora_sessions");
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: "0",
    LOG_LEVEL: "error",
    SESSION_CACHE_MS: "60000", // far longer than the test: only the notification can end it
  });
  const a = await startServer(config, { web: WEB, logger: silentLogger });
  const b = await startServer(config, { web: WEB, logger: silentLogger });
  try {
    const onA = client(a.url);
    const name = `s${crypto.randomUUID().slice(0, 8)}`;
    const password = "password-for-cache";
    assert.equal(
      (await onA.json("POST", "/api/v1/users", { username: name, password })).status,
      201,
    );
    assert.equal(
      (await onA.json("POST", "/api/v1/session", { username: name, password })).status,
      200,
    );
    const onB = client(b.url);
    for (const [k, v] of onA.jar) onB.jar.set(k, v);

    const whoOnB = async () => {
      const res = await onB.request("/admin");
      await res.body?.cancel();
      return res.status;
    };
    assert.equal(await whoOnB(), 403, "signed in on B (not an admin), now cached there");

    // The notifications travel through PostgreSQL: wait for them, bounded (well under the TTL).
    const eventually = async (wanted: number[], what: string) => {
      const deadline = Date.now() + 5000;
      let status = await whoOnB();
      while (!wanted.includes(status) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = await whoOnB();
      }
      assert.ok(wanted.includes(status), `${what} (got ${status})`);
    };

    assert.equal(await runAdmin(a.system, ["grant", name], () => {}), 0);
    await eventually([200], "the grant reached B's cache");
    assert.equal(await runAdmin(a.system, ["revoke", name], () => {}), 0);
    assert.equal(await whoOnB(), 403, "an administrator is never cached: the revoke holds at once");

    const cookie = [...onA.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const out = await fetch(`${a.url}/api/v1/session`, { method: "DELETE", headers: { cookie } });
    assert.equal(out.status, 204);
    await out.body?.cancel();
    await eventually([303, 401], "signed out on B too");
  } finally {
    await a.shutdown();
    await b.shutdown();
  }
});
