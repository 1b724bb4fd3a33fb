/**
 * Malformed writes to every write endpoint (JSON API and pages' forms): a few
 * hundred requests, none may answer 5xx, and a refused one appends no event
 * (the events table is counted before and after each).
 */
import assert from "node:assert/strict";
import { client, testServer } from "./test_server.ts";

const PASSWORD = "correct horse battery";
const UNKNOWN = "00000000-0000-4000-8000-000000000000";

/** Bodies that are not what any endpoint wants, from broken JSON to wrong shapes. */
function jsonBodies(): (string | Uint8Array<ArrayBuffer>)[] {
  return [
    "",
    "{",
    "}",
    "null",
    "[]",
    "1",
    '"text"',
    '{"message": 1}',
    '{"message": null}',
    '{"message": {"$ne": 1}}',
    '{"message": ["a"]}',
    `{"message": "${"x".repeat(3000)}"}`,
    '{"message": "   "}',
    '{"__proto__": {"admin": true}, "message": 5}',
    '{"constructor": {"prototype": {}}}',
    '{"comment": true}',
    '{"username": "a b", "password": 1}',
    '{"username": "x", "password": "' + "p".repeat(500) + '"}',
    "[".repeat(5000) + "]".repeat(5000),
    '{"a":'.repeat(2000) + "1" + "}".repeat(2000),
    '{"message": "\\ud800"}',
    new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    '{"message": "a\\u0000b", "comment": "a\\u0000b"}',
    '{"comment": "\\udc00"}',
    '{"message": "ok"} trailing',
    "\u0000",
  ];
}

/** Form bodies: wrong intents, broken escapes, arrays, oversize fields. */
function formBodies(): string[] {
  return [
    "",
    "intent=explode",
    "intent=",
    "intent=like&intent=unlike",
    "intent=comment",
    "intent=edit-comment&commentId=nope&comment=x",
    "intent=remove-comment&commentId=" + UNKNOWN,
    "message=",
    "message=%ZZ",
    "message=a%00b&comment=a%00b&username=a%00b",
    "%%%%",
    "message[]=x&message[]=y",
    "message=" + "m".repeat(3000),
    "username=&password=",
    "username=" + "u".repeat(300) + "&password=" + "p".repeat(300),
    "=&=&=",
    "next=//evil.example",
  ];
}

Deno.test({
  name:
    "Fuzz - malformed JSON and form writes to every write endpoint: no 5xx, no event for a refusal",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await testServer({ env: { RATE_LIMIT_WRITES_PER_MIN: "0" } });
    const base = server.url;
    const sql = server.db.connect({ max: 1 });
    const me = client(base);
    const name = `fuzz_${crypto.randomUUID().slice(0, 8)}`;
    await me.json("POST", "/api/v1/users", { username: name, password: PASSWORD });
    assert.equal(
      (await me.json("POST", "/api/v1/session", { username: name, password: PASSWORD })).status,
      200,
    );
    const post = (await me.json("POST", "/api/v1/posts", { message: "target" })).data;
    const comment = (await me.json("POST", `/api/v1/posts/${post.id}/comments`, {
      comment: "target",
    })).data;
    const anonymous = client(base);

    const apiWrites: [string, string][] = [
      ["POST", "/api/v1/users"],
      ["POST", "/api/v1/session"],
      ["POST", "/api/v1/posts"],
      ["PATCH", `/api/v1/posts/${post.id}`],
      ["PATCH", "/api/v1/posts/not-a-uuid"],
      ["DELETE", `/api/v1/posts/${UNKNOWN}`],
      ["PUT", `/api/v1/posts/${UNKNOWN}/like`],
      ["DELETE", "/api/v1/posts/%2e%2e/like"],
      ["POST", `/api/v1/posts/${post.id}/comments`],
      ["PATCH", `/api/v1/posts/${post.id}/comments/${comment.id}`],
      ["DELETE", `/api/v1/posts/${post.id}/comments/nope`],
      ["POST", "/api/v1/admin/restore-read-db"],
    ];
    const pageWrites = [
      "/signin",
      "/signup",
      "/posts/new",
      `/posts/${post.id}`,
      `/posts/${UNKNOWN}`,
      `/posts/${post.id}/edit`,
      "/admin",
    ];

    const countEvents = async () => (await sql`select count(*)::int as n from events`)[0].n;
    const statuses = new Map<number, number>();
    let sent = 0;
    const check = async (label: string, send: () => Promise<Response>) => {
      const before = await countEvents();
      const res = await send();
      await res.body?.cancel();
      sent++;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status < 500, `${label}: ${res.status}`);
      if (res.status >= 400) {
        assert.equal(await countEvents(), before, `${label}: refused (${res.status}) but appended`);
      }
    };

    for (const [method, path] of apiWrites) {
      for (const body of jsonBodies()) {
        for (const who of path.endsWith("/session") ? [anonymous] : [me, anonymous]) {
          await check(`${method} ${path} ${String(body).slice(0, 40)}`, () =>
            who.request(path, {
              method,
              headers: { "content-type": "application/json" },
              body,
            }));
        }
      }
      // The wrong content type, and a form body on a JSON endpoint.
      await check(`${method} ${path} as a form`, () =>
        me.request(path, {
          method,
          headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
          body: "message=x",
        }));
    }
    for (const path of pageWrites) {
      for (const body of formBodies()) {
        const who = path === "/signin" || path === "/signup" ? anonymous : me;
        await check(`POST ${path} ${body.slice(0, 40)}`, () =>
          who.request(path, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
            body,
          }));
      }
      // multipart with a broken boundary, and JSON where a form is expected
      await check(`POST ${path} bad multipart`, () =>
        me.request(path, {
          method: "POST",
          headers: { "content-type": "multipart/form-data; boundary=zzz", origin: base },
          body: "--nope\r\n\r\n",
        }));
      await check(`POST ${path} json`, () =>
        me.request(path, {
          method: "POST",
          headers: { "content-type": "application/json", origin: base },
          body: "{",
        }));
    }
    console.log(`fuzz: ${sent} writes, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok(sent >= 300, `only ${sent} writes`);
  },
});
