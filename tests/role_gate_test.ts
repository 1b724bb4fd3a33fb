/**
 * The ROLE gate answers through the one error path: a misdirected request
 * gets 421 as JSON on the API and as the error page in a browser.
 */
import assert from "node:assert/strict";
import { testServer } from "./test_server.ts";

Deno.test("ROLE=command: a read is 421, JSON for the API and a page for browsers", async () => {
  await using server = await testServer({ env: { ROLE: "command" } });
  const api = await fetch(`${server.url}/api/v1/posts`);
  assert.equal(api.status, 421);
  assert.equal((await api.json()).error.code, "misdirected_request");
  const page = await fetch(`${server.url}/`, { headers: { accept: "text/html" } });
  assert.equal(page.status, 421);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  const html = await page.text();
  assert.ok(html.includes("<h1") && html.includes("ROLE=command"), html.slice(0, 500));
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200, "probes pass the gate");
  await health.body?.cancel();
});
