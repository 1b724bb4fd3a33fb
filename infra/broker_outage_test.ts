/**
 * The broker goes away during appends. Runs its own broker (other ports, own
 * data folder) so the shared one keeps serving the other tests.
 */
import assert from "node:assert/strict";
import { kafkaBus } from "./kafka/kafka_bus.ts";
import { assertVerified, projected, stores } from "./pipeline_test_utils.ts";
import { startWorker } from "./worker.ts";

const PORT = "19092";
const env = {
  KAFKA_PORT: PORT,
  KAFKA_CONTROLLER_PORT: "19093",
  KAFKA_DATA: `${Deno.env.get("HOME")}/.cache/agora/kafka/outage-test`,
};

async function broker(command: "start" | "resume" | "stop") {
  const script = new URL("../scripts/kafka.sh", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command("bash", {
    args: [script, command],
    env,
  }).output();
  const text = new TextDecoder();
  assert.equal(code, 0, `kafka.sh ${command}: ${text.decode(stdout)}${text.decode(stderr)}`);
}

Deno.test("Pipeline - the broker stopped during appends: appends succeed, the relay catches up", async () => {
  await broker("start");
  await using s = await stores();
  const bus = kafkaBus({ brokers: [`127.0.0.1:${PORT}`], topic: "agora.outage", partitions: 3 });
  const worker = await startWorker({
    eventSql: s.eventSql,
    readSql: s.readSql,
    bus,
    groupId: "outage",
  });
  try {
    const alice = await s.register("alice");
    await s.mediator.send({ type: "CreatePost", message: "before the outage" }, alice);
    await projected(s);

    await broker("stop");
    const during: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { postId } = await s.mediator.send(
        { type: "CreatePost", message: `outage ${i}` },
        alice,
      );
      during.push(postId);
    }
    const [{ n }] = await s
      .eventSql`select count(*)::int as n from events where event_type = 'PostCreated'`;
    assert.equal(n, 11, "every append succeeded without the broker");

    await broker("resume");
    await projected(s, { timeoutMs: 90_000 });
    const rows = await s.readSql`select id from posts where id = any(${during}::uuid[])`;
    assert.equal(rows.length, 10);
    await assertVerified(s);
  } finally {
    await worker.stop();
    await broker("stop");
  }
});
