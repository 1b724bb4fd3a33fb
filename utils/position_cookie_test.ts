import assert from "node:assert/strict";
import {
  MAX_PENDING_POSITIONS,
  positionCookie,
  positionsFromCookie,
  positionsFromHeader,
} from "./position_cookie.ts";

function withCookie(cookie: string): Request {
  return new Request("http://127.0.0.1/", { headers: { cookie } });
}

Deno.test("position cookie - round-trips every unread write, ascending, once each", () => {
  const line = positionCookie([41, 38, 41], false);
  assert.match(line, /^agora_pos=38\.41;/);
  assert.match(line, /HttpOnly/i);
  assert.deepEqual(positionsFromCookie(withCookie(line.split(";")[0])), [38, 41]);
});

Deno.test("position cookie - keeps only the newest positions", () => {
  const many = Array.from({ length: MAX_PENDING_POSITIONS + 5 }, (_, i) => i + 1);
  const kept = positionsFromCookie(withCookie(positionCookie(many, false).split(";")[0]));
  assert.deepEqual(kept.length, MAX_PENDING_POSITIONS);
  assert.deepEqual(kept.at(-1), MAX_PENDING_POSITIONS + 5);
  assert.deepEqual(kept[0], 6);
});

Deno.test("X-Min-Position - one or a list; unreadable entries are ignored", () => {
  const header = (value: string) =>
    positionsFromHeader(new Request("http://127.0.0.1/", { headers: { "x-min-position": value } }));
  assert.deepEqual(header("41"), [41]);
  assert.deepEqual(header("41, 38"), [38, 41]);
  assert.deepEqual(header("x, -3, 1.5, 9007199254740993, , 7"), [7]);
  assert.deepEqual(positionsFromHeader(new Request("http://127.0.0.1/")), []);
  assert.deepEqual(positionsFromCookie(withCookie("agora_pos=abc")), []);
});
