import assert from "node:assert/strict";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import { stores } from "../pipeline_test_utils.ts";
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from "../postgres/rows.ts";
import { readStream } from "../postgres/read_stream.ts";
import { applyResilient } from "./apply_resilient.ts";

type Stores = Awaited<ReturnType<typeof stores>>;

async function allEvents(s: Stores): Promise<RecordedEvent<AnyEvent>[]> {
  const rows = await s.eventSql.unsafe<EventRow[]>(
    `select ${EVENT_COLUMNS} from events order by global_position`,
  );
  return rows.map(toRecordedEvent);
}

Deno.test("Apply resilient - one refused event becomes a dead letter after its attempts; the rest of the batch and its stream's later events apply", async () => {
  await using s = await stores();
  const alice = await s.register("alice");
  const bob = await s.register("bob");
  const { postId } = await s.mediator.send({ type: "CreatePost", message: "fine" }, alice);
  const { postId: other } = await s.mediator.send({ type: "CreatePost", message: "also" }, bob);
  await s.mediator.send({ type: "EditMessage", postId, message: "refused" }, alice);
  await s.mediator.send({ type: "LikePost", postId }, bob);
  await s.mediator.send({ type: "LikePost", postId: other }, alice);
  await s.readSql`alter table posts add constraint no_refused check (message <> 'refused')`;
  const events = await allEvents(s);
  const dead: string[] = [];

  const applied = await s.readSql.begin((tx) =>
    applyResilient(tx, events, {
      fetchStream: (streamId, range) => readStream(s.eventSql, { streamId, ...range }),
      attempts: 3,
      onDeadLetter: (event, error) => dead.push(`${event.type}: ${error}`),
    })
  );

  assert.equal(applied, events.length - 1, "all but the refused edit");
  assert.equal(dead.length, 1);
  assert.match(dead[0], /^MessageUpdated: .*no_refused/);
  const letters = await s.readSql`select event_type, attempts, stream_version::int as version
                                  from dead_letters`;
  assert.deepEqual(letters.map((l) => [l.event_type, l.attempts, l.version]), [
    ["MessageUpdated", 3, 2],
  ]);
  const [post] = await s.readSql`select message, likes from posts
                                 where id = ${postId}`;
  assert.equal(post.message, "fine", "the edit was skipped");
  assert.equal(post.likes, 1, "the like after it still applied");
  const [{ n }] = await s.readSql`select count(*)::int as n from applied_positions`;
  assert.equal(n, events.length, "the skipped position counts as handled too");
});
