import assert from "node:assert/strict";
import { type AnyEvent, postStreamId, type RecordedEvent } from "../../domain/mod.ts";
import { decodeAll, encode, encodeRuns } from "./wire.ts";

const LIMITS = { maxEvents: 500, maxChars: 256 * 1024 };

/** A recorded PostLiked of `postId` at `position` (version = position here). */
function liked(postId: string, position: number): RecordedEvent<AnyEvent> {
  return {
    type: "PostLiked",
    data: { userId: crypto.randomUUID(), at: new Date(0).toISOString() },
    eventId: crypto.randomUUID(),
    streamId: postStreamId(postId),
    streamType: "post",
    streamVersion: position,
    globalPosition: position,
    schemaVersion: 1,
    occurredAt: new Date(0),
    metadata: { userId: null, correlationId: "c", causationId: "c" },
  } as RecordedEvent<AnyEvent>;
}

Deno.test("Wire - one event travels as its envelope with the routing headers, as every release sent it", () => {
  const event = liked(crypto.randomUUID(), 7);
  const [wire, ...more] = encodeRuns([event], LIMITS);
  assert.equal(more.length, 0);
  assert.deepEqual(wire, encode(event));
  assert.equal(wire.key, event.streamId);
  assert.equal(JSON.parse(wire.value).eventId, event.eventId, "an object, not an array");
  assert.deepEqual(wire.headers, {
    "event-id": event.eventId,
    "event-type": "PostLiked",
    "schema-version": "1",
    "global-position": "7",
  });
  assert.deepEqual(decodeAll(wire).map((d) => d.event), [event]);
});

Deno.test("Wire - consecutive events of a stream share a message, cut where the stream changes and at the limits", () => {
  const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
  const events = [liked(a, 1), liked(a, 2), liked(a, 3), liked(b, 4), liked(a, 5), liked(a, 6)];
  const runs = encodeRuns(events, LIMITS);
  assert.deepEqual(runs.map((w) => w.key), [a, b, a].map(postStreamId));
  assert.deepEqual(runs[0].headers, {
    "event-count": "3",
    "global-position": "1",
    "last-position": "3",
  });
  assert.deepEqual(runs.flatMap((w) => decodeAll(w).map((d) => d.event)), events);

  assert.deepEqual(
    encodeRuns(events, { ...LIMITS, maxEvents: 2 }).map((w) => decodeAll(w).length),
    [2, 1, 1, 2],
  );
  assert.equal(encodeRuns(events, { ...LIMITS, maxEvents: 1 }).length, 6);
  // A character budget for about one envelope: every event alone.
  const one = encode(events[0]).value.length;
  const cut = encodeRuns(events, { maxEvents: 500, maxChars: one + 10 });
  assert.equal(cut.length, 6);
  assert.ok(cut.every((w) => w.value.length <= one + 10));
});

Deno.test("Wire - a poison envelope in a run is one poison event with its own envelope; a value that is not JSON is one poison message", () => {
  const postId = crypto.randomUUID();
  const [wire] = encodeRuns([liked(postId, 1), liked(postId, 2), liked(postId, 3)], LIMITS);
  const envelopes = JSON.parse(wire.value);
  envelopes[1].data = { userId: 42 };
  const decoded = decodeAll({ ...wire, value: JSON.stringify(envelopes) });
  assert.deepEqual(decoded.map((d) => d.event?.globalPosition ?? null), [1, null, 3]);
  const poison = decoded[1];
  assert.ok(poison.event === null);
  assert.match(poison.error, /userId/);
  assert.deepEqual(JSON.parse(poison.wire.value), envelopes[1]);
  assert.equal(poison.wire.headers["event-id"], envelopes[1].eventId);
  assert.equal(poison.wire.headers["global-position"], "2");

  const garbage = decodeAll({ key: "post-x", value: "{not json", headers: {} });
  assert.equal(garbage.length, 1);
  assert.equal(garbage[0].event, null);
  assert.match(garbage[0].error ?? "", /malformed/);
  assert.equal(decodeAll({ key: "post-x", value: "[]", headers: {} })[0].event, null);
});
