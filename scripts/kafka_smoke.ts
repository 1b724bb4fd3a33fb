// deno-lint-ignore-file no-import-prefix
// Smoke test: does kafkajs (our Kafka client) work against the local broker
// started by scripts/kafka.sh? Covers admin, idempotent producer and consumer
// groups (including a rebalance when a second member joins).
//
//   bash scripts/kafka.sh start && deno run -A scripts/kafka_smoke.ts
//
// Env: KAFKA_BROKERS (default 127.0.0.1:9092). Exit 0 on success, 1 on failure.
// Full npm: specifier (not the deno.json alias) so this also runs with --no-config.
import {
  type Consumer,
  Kafka,
  type KafkaMessage,
  logLevel,
  Partitioners,
  type Producer,
} from "npm:kafkajs@2.2.4";

const BROKERS = (Deno.env.get("KAFKA_BROKERS") ?? "127.0.0.1:9092").split(",");
const RUN_ID = `${Date.now()}-${crypto.randomUUID().slice(0, 8)}`;
const TOPIC = `smoke-${RUN_ID}`;
const GROUP = `smoke-group-${RUN_ID}`;
const PARTITIONS = 3;
const KEYS = ["alice", "bob", "carol", "dave", "erin"];
const FIRST_BATCH = 30;
const SECOND_BATCH = 12;

type Seen = { key: string; seq: number; partition: number; offset: string; member: string };

function fail(msg: string): never {
  throw new Error(msg);
}

function check(cond: unknown, msg: string): asserts cond {
  if (!cond) fail(msg);
}

// Errors raised inside kafkajs callbacks (bad message, consumer crash): kafkajs
// would retry or swallow them, so waitFor reports them instead of timing out.
const problems: string[] = [];

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (problems.length) fail(`while waiting for ${what}: ${problems.join("; ")}`);
    if (Date.now() - start > timeoutMs) fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function parse(msg: KafkaMessage): { key: string; seq: number } {
  const key = msg.key?.toString() ?? fail("message without key");
  const body = JSON.parse(msg.value?.toString() ?? fail("message without value"));
  check(body.key === key, `key mismatch: ${key} vs ${body.key}`);
  return { key, seq: body.seq };
}

// Messages numbered per key: seq n of key k must be seen after seq n-1 of k.
function messagesFor(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const key = KEYS[n % KEYS.length];
    const seq = Math.floor(n / KEYS.length);
    return { key, value: JSON.stringify({ key, seq }), headers: { "smoke-run": RUN_ID } };
  });
}

// Per key: strictly increasing seq, no gaps, no duplicates, one partition.
function checkOrder(seen: Seen[], expectedTotal: number) {
  check(seen.length === expectedTotal, `expected ${expectedTotal} messages, got ${seen.length}`);
  for (const key of KEYS) {
    const mine = seen.filter((s) => s.key === key);
    mine.forEach((s, i) => check(s.seq === i, `key ${key}: got seq ${s.seq} at position ${i}`));
    const parts = new Set(mine.map((s) => s.partition));
    check(parts.size === 1, `key ${key} spread over partitions ${[...parts]}`);
  }
}

// What the consumer group members report back to the test.
type GroupState = {
  kafka: Kafka;
  consumers: Consumer[];
  seen: Seen[];
  assignments: Map<string, number[]>; // member -> partitions of its latest generation
  joins: string[]; // members, in the order they (re)joined
  ms: () => string;
};

// Start one group member that records every message and each assignment.
async function startMember(g: GroupState, name: string): Promise<Consumer> {
  const { kafka, seen, assignments, joins, ms } = g;
  const c = kafka.consumer({
    groupId: GROUP,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    rebalanceTimeout: 10_000,
    // kafkajs heartbeats between fetches; the default 5 s long poll makes
    // every rebalance wait up to 5 s.
    maxWaitTimeInMs: 500,
  });
  g.consumers.push(c);
  c.on(c.events.GROUP_JOIN, (e) => {
    const parts = e.payload.memberAssignment[TOPIC] ?? [];
    assignments.set(name, [...parts].sort((x, y) => x - y));
    joins.push(name);
    console.log(
      `consumer ${name}: joined generation as ${
        e.payload.isLeader ? "leader" : "follower"
      }, assigned partitions [${parts}] (${ms()})`,
    );
  });
  c.on(c.events.CRASH, (e) => problems.push(`consumer ${name} crashed: ${e.payload.error}`));
  await c.connect();
  await c.subscribe({ topic: TOPIC, fromBeginning: true });
  await c.run({
    eachMessage: ({ partition, message }) => {
      try {
        const { key, seq } = parse(message);
        seen.push({ key, seq, partition, offset: message.offset, member: name });
      } catch (e) {
        problems.push(`consumer ${name}: ${e}`);
      }
      return Promise.resolve();
    },
  });
  return c;
}

async function main() {
  const t0 = performance.now();
  const ms = () => `${Math.round(performance.now() - t0)} ms`;
  const kafka = new Kafka({
    clientId: "agora-smoke",
    brokers: BROKERS,
    logLevel: logLevel.WARN,
    // No custom `retry`: capping retries makes the idempotent producer warn
    // that exactly-once guarantees may be lost.
  });

  const admin = kafka.admin();
  // Explicit partitioner: same as the v2 default, and silences its warning.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumers: Consumer[] = [];
  let topicCreated = false;

  try {
    // --- admin ---------------------------------------------------------------
    await admin.connect();
    const cluster = await admin.describeCluster();
    console.log(`admin: connected, brokers=${cluster.brokers.map((b) => `${b.host}:${b.port}`)}`);
    const created = await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    check(created, `createTopics returned false for ${TOPIC}`);
    topicCreated = true;
    const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    check(
      meta.topics[0].partitions.length === PARTITIONS,
      `topic has ${meta.topics[0].partitions.length} partitions`,
    );
    console.log(`admin: created ${TOPIC} with ${PARTITIONS} partitions (${ms()})`);

    // --- idempotent producer ---------------------------------------------------
    await producer.connect();
    const first = messagesFor(0, FIRST_BATCH);
    // Three sends of 10, in order, so ordering across requests is also covered.
    for (let i = 0; i < first.length; i += 10) {
      await producer.send({ topic: TOPIC, acks: -1, messages: first.slice(i, i + 10) });
    }
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    check(total === FIRST_BATCH, `topic holds ${total} messages, expected ${FIRST_BATCH}`);
    console.log(
      `producer: sent ${FIRST_BATCH} (idempotent, acks=-1); per partition: ${
        offsets.map((p) => `p${p.partition}=${p.high}`).join(" ")
      } (${ms()})`,
    );

    // --- consumer group: one member --------------------------------------------
    const seen: Seen[] = [];
    const assignments = new Map<string, number[]>();
    const joins: string[] = [];
    const group: GroupState = { kafka, consumers, seen, assignments, joins, ms };

    await startMember(group, "A");
    await waitFor(`${FIRST_BATCH} messages`, () => seen.length >= FIRST_BATCH);
    // Give stray duplicates a moment to show up before counting.
    await new Promise((r) => setTimeout(r, 500));
    checkOrder(seen, FIRST_BATCH);
    check(
      assignments.get("A")?.length === PARTITIONS,
      `A should own all ${PARTITIONS} partitions, has ${assignments.get("A")}`,
    );
    console.log(`consumer group: A received all ${FIRST_BATCH} in per-key order (${ms()})`);

    // --- consumer group: second member joins, partitions split ----------------
    const joinsBefore = joins.length;
    await startMember(group, "B");
    // Both members must have (re)joined the new generation.
    await waitFor(
      "rebalance with A and B",
      () => {
        const recent = joins.slice(joinsBefore);
        return recent.includes("A") && recent.includes("B");
      },
    );
    const a = assignments.get("A") ?? [];
    const b = assignments.get("B") ?? [];
    console.log(`assignment after rebalance: A=[${a}] B=[${b}]`);
    check(a.length > 0 && b.length > 0, "both members should own partitions");
    check(
      new Set([...a, ...b]).size === PARTITIONS && a.length + b.length === PARTITIONS,
      "partitions must be split without overlap",
    );

    // New messages after the rebalance: each goes to whoever owns its partition.
    const second = messagesFor(FIRST_BATCH, SECOND_BATCH);
    await producer.send({ topic: TOPIC, acks: -1, messages: second });
    const expected = FIRST_BATCH + SECOND_BATCH;
    await waitFor(`${expected} messages`, () => seen.length >= expected);
    await new Promise((r) => setTimeout(r, 500));
    // Committed offsets of A's first pass must not be re-delivered to B.
    checkOrder(seen, expected);
    for (const s of seen.slice(FIRST_BATCH)) {
      const owner = a.includes(s.partition) ? "A" : "B";
      check(s.member === owner, `partition ${s.partition} consumed by ${s.member}, owner ${owner}`);
    }
    const byMember = (m: string) => seen.slice(FIRST_BATCH).filter((s) => s.member === m).length;
    console.log(
      `consumer group: ${SECOND_BATCH} more split A=${byMember("A")} B=${byMember("B")}, ` +
        `order kept (${ms()})`,
    );

    // --- admin: group view -----------------------------------------------------
    const { groups } = await admin.describeGroups([GROUP]);
    console.log(
      `admin: group ${GROUP} state=${groups[0].state} members=${groups[0].members.length}`,
    );
    check(groups[0].members.length === 2, "group should have 2 members");
  } finally {
    // Cleanup always runs; errors here must not hide the real failure.
    // In parallel: one at a time would make the last one rebalance first.
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
    await producer.disconnect().catch(() => {});
    if (topicCreated) {
      await admin.deleteTopics({ topics: [TOPIC] }).then(
        () => console.log(`admin: deleted ${TOPIC}`),
        (e) => console.error(`admin: delete failed: ${e}`),
      );
    }
    await admin.disconnect().catch(() => {});
  }

  console.log(`kafka smoke: OK (${ms()})`);
}

// Hard cap, so a hung broker cannot hang CI.
const guard = setTimeout(() => {
  console.error("kafka smoke: FAILED: overall timeout (120 s)");
  Deno.exit(1);
}, 120_000);

try {
  await main();
  clearTimeout(guard);
  Deno.exit(0);
} catch (e) {
  console.error(`kafka smoke: FAILED: ${e instanceof Error ? e.stack ?? e.message : e}`);
  Deno.exit(1);
}
