import { Kafka, logLevel } from "kafkajs";
import type { EventBus } from "../infra/bus/bus.ts";
import { brokers, testBus } from "../infra/pipeline_test_utils.ts";

/** A Kafka bus on a topic and group of its own, to drop when done. */
export type BenchBus = { bus: EventBus; topic: string; groupId: string };

/** A bus on a new `agora.bench.*` topic (3 partitions, like the default topic). */
export function benchBus(purpose: string): BenchBus {
  const id = crypto.randomUUID().slice(0, 8);
  const topic = `agora.bench.${purpose}.${id}`;
  return { bus: testBus({ topic }), topic, groupId: `agora-bench-${purpose}-${id}` };
}

/** Fails fast, with the way out, when nothing listens on the first broker's port. */
export async function assertBrokerListening(): Promise<void> {
  const [host, port] = brokers()[0].split(":");
  try {
    const conn = await Deno.connect({ hostname: host, port: Number(port) });
    conn.close();
  } catch {
    throw new Error(
      `no Kafka broker on ${host}:${port}: start it with \`bash scripts/kafka.sh start\``,
    );
  }
}

/**
 * Deletes the bench's topic and its (now empty) consumer group, so runs leave
 * nothing on the broker. Best effort: a failure is reported, not thrown.
 */
export async function dropBenchBus(used: Pick<BenchBus, "topic" | "groupId">): Promise<void> {
  const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    await admin.deleteGroups([used.groupId]).catch(() => {}); // absent if it never joined
    await admin.deleteTopics({ topics: [used.topic] });
  } catch (error) {
    console.error(`bench: could not delete Kafka topic ${used.topic}: ${error}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
