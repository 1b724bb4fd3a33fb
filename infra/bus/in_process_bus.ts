import type { Logger } from "../../app/log.ts";
import { silentLogger } from "../../app/log.ts";
import type { Cursor } from "../../app/ports.ts";
import type { Sql } from "../postgres/connect.ts";
import type {
  BatchOutcome,
  ConsumedBatch,
  ConsumedMessage,
  EventBus,
  EventConsumer,
  WireMessage,
} from "./bus.ts";
import { encode, tryDecode } from "./wire.ts";

/**
 * Options of the in-process bus.
 *
 * @example
 * ```ts
 * const options: InProcessBusOptions = { topic: config.KAFKA_TOPIC, partitions: 3, logger };
 * ```
 */
export type InProcessBusOptions = {
  /** Topic name reported to consumers (default "agora.events"). */
  topic?: string;
  /** Partitions of the log (default 3). */
  partitions?: number;
  /** Most messages handed to one `handle` call (default 100). */
  maxBatch?: number;
  logger?: Logger;
};

/**
 * The bus without a broker, for a single process (the zero-setup mode): an
 * in-memory log per partition, the same wire encoding as Kafka (so the
 * projector validates exactly what it would from Kafka), the same
 * `start({ handle, checkpoint })` contract.
 *
 * - `publish` encodes every event first (nothing is appended if one cannot be
 *   read), appends them to the partition of their key (a stable hash of the
 *   stream id, so each stream keeps its order), and resolves: that is the
 *   acknowledgement. Consumers are woken at once; nothing polls.
 * - A consumer group gets each partition's messages in offset order, in
 *   batches of at most `maxBatch`, one batch per partition at a time; `done`
 *   continues at `nextOffset`, `seek` at `offset`, and a failing `handle` is
 *   retried from the group's checkpoint with a growing delay.
 * - Several members of one group split the partitions (partition `p` goes to
 *   member `p % members`, in joining order); when one stops, the others take
 *   its partitions over after its batch in flight, re-reading the checkpoint.
 * - When the last member of a group stops, it first handles what was already
 *   published (stop the relay before it, as `startWorker` does), so a clean
 *   shutdown leaves nothing in memory unprojected.
 *
 * Offsets across restarts. The log lives only in memory, so a new bus starts
 * empty while the projector's PostgreSQL checkpoint still holds an offset of
 * the previous process. Offsets are therefore counted per group from its
 * durable checkpoint: the first time a group starts on a bus, the oldest
 * message in the log gets the offset `checkpoint(partition)` returned (0 when
 * none), and offsets continue from there. A checkpoint from a previous
 * process never makes the projector skip a message of this one, and
 * redelivered events (the relay publishes at least once) are skipped by the
 * projector's per-stream version check, earlier missing versions filled from
 * the event store.
 *
 * The guarantee, then: at least once within a process and across clean
 * restarts. A crash loses what the relay had published and saved its cursor
 * for but the projector had not committed; call {@link rewindRelay} before
 * starting the worker to publish those events again. Only one process may
 * run the worker on a given database with this bus.
 *
 * @example
 * ```ts
 * await rewindRelay({ eventSql, readSql });
 * const worker = await startWorker({ eventSql, readSql, bus: inProcessBus(), groupId: "agora-projector" });
 * ```
 */
export function inProcessBus(options: InProcessBusOptions = {}): EventBus {
  const topic = options.topic ?? "agora.events";
  const partitions = options.partitions ?? 3;
  const maxBatch = options.maxBatch ?? 100;
  const logger = options.logger ?? silentLogger;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`partitions must be a positive integer, got ${partitions}`);
  }
  const logs: PartitionLog[] = Array.from(
    { length: partitions },
    () => ({ first: 0, entries: [] }),
  );
  const groups = new Map<string, Group>();

  const end = (p: number) => logs[p].first + logs[p].entries.length;
  const clamp = (p: number, index: number) => Math.min(Math.max(index, logs[p].first), end(p));

  /** Starts the slot's runner unless it runs; a runner finishing sees `again` in the same tick. */
  function kick(group: Group, p: number): void {
    const slot = group.slots[p];
    if (slot.running) {
      slot.again = true;
      return;
    }
    slot.running = (async () => {
      try {
        do {
          slot.again = false;
          await deliver(group, p);
        } while (slot.again);
      } finally {
        slot.running = null;
      }
    })();
  }

  /** Hands the partition's pending messages to its owner, batch by batch, until none is left. */
  async function deliver(group: Group, p: number): Promise<void> {
    const slot = group.slots[p];
    for (;;) {
      const owner = slot.owner;
      if (!owner) return;
      try {
        if (slot.resync) {
          const offset = await owner.checkpoint(topic, p);
          if (slot.owner !== owner) continue;
          if (slot.shift === null) slot.shift = (offset ?? 0) - slot.next;
          else if (offset !== null) slot.next = clamp(p, offset - slot.shift);
          slot.resync = false;
        }
        slot.next = clamp(p, slot.next);
        const limit = owner.drainUntil?.get(p) ?? end(p);
        if (slot.next >= limit) return;
        const from = slot.next;
        const shift = slot.shift ?? 0;
        const wires = logs[p].entries.slice(
          from - logs[p].first,
          Math.min(limit, from + maxBatch) - logs[p].first,
        );
        const batch: ConsumedBatch = {
          topic,
          partition: p,
          messages: wires.map((wire, i) => consumed(wire, from + i + shift)),
        };
        const outcome: BatchOutcome = await owner.track(owner.handle(batch));
        slot.failures = 0;
        if (slot.owner !== owner && outcome.kind === "seek") continue; // the new owner re-reads
        slot.next = clamp(
          p,
          (outcome.kind === "done" ? outcome.nextOffset : outcome.offset) - shift,
        );
        trim(p);
      } catch (error) {
        slot.resync = true; // the durable checkpoint says where to go on
        slot.failures++;
        if (owner.drainUntil) {
          logger.warn("in-process bus: stopping consumer could not finish its partition", {
            groupId: group.id,
            partition: p,
            error: String(error),
          });
          return;
        }
        const delay = Math.min(5_000, 100 * 2 ** Math.min(slot.failures, 6));
        logger.warn("in-process bus: batch failed; will retry", {
          groupId: group.id,
          partition: p,
          delayMs: delay,
          error: String(error),
        });
        clearTimeout(slot.retry);
        slot.retry = setTimeout(() => kick(group, p), delay);
        return;
      }
    }
  }

  /** Drops messages every group has moved past (they can no longer be sought back to). */
  function trim(p: number): void {
    let keepFrom = end(p);
    for (const group of groups.values()) keepFrom = Math.min(keepFrom, group.slots[p].next);
    const drop = keepFrom - logs[p].first;
    if (drop > 0 && (drop >= 256 || drop === logs[p].entries.length)) {
      logs[p].entries.splice(0, drop);
      logs[p].first = keepFrom;
    }
  }

  /** Partition p goes to member p % n in joining order; a moved partition re-reads its checkpoint. */
  function rebalance(group: Group): void {
    const { members, slots } = group;
    for (const member of members) member.partitions = [];
    slots.forEach((slot, p) => {
      const owner = members.length > 0 ? members[p % members.length] : null;
      owner?.partitions.push(p);
      if (slot.owner === owner) return;
      slot.owner = owner;
      slot.resync = true;
      slot.failures = 0;
      clearTimeout(slot.retry);
      if (owner) kick(group, p);
    });
  }

  function groupOf(id: string): Group {
    let group = groups.get(id);
    if (!group) {
      group = {
        id,
        members: [],
        slots: logs.map((log) => ({
          next: log.first,
          shift: null,
          owner: null,
          resync: true,
          failures: 0,
          retry: undefined,
          running: null,
          again: false,
        })),
      };
      groups.set(id, group);
    }
    return group;
  }

  return {
    topic,
    ensureTopic: () => Promise.resolve(),
    /** Always answers: the bus is this process. */
    ping: () => Promise.resolve(),

    publisher() {
      let closed = false;
      return Promise.resolve({
        publish(events) {
          if (closed) return Promise.reject(new Error("in-process bus: publisher closed"));
          let wires: WireMessage[];
          try {
            wires = events.map((event) => encode(event));
          } catch (error) {
            return Promise.reject(error);
          }
          const touched = new Set<number>();
          for (const wire of wires) {
            const p = partitionOf(wire.key, partitions);
            logs[p].entries.push(wire);
            touched.add(p);
          }
          for (const group of groups.values()) {
            for (const p of touched) if (group.slots[p].owner) kick(group, p);
          }
          return Promise.resolve();
        },
        close() {
          closed = true;
          return Promise.resolve();
        },
      });
    },

    consumer({ groupId }): EventConsumer {
      let member: Member | null = null;
      let stopping: Promise<void> | null = null;
      return {
        assignment: () => [...(member?.partitions ?? [])],
        start({ handle, checkpoint }) {
          if (member) return Promise.reject(new Error("in-process bus: consumer already started"));
          const inflight = new Set<Promise<unknown>>();
          member = {
            handle,
            checkpoint,
            partitions: [],
            drainUntil: null,
            inflight,
            track<T>(work: Promise<T>): Promise<T> {
              inflight.add(work);
              return work.finally(() => inflight.delete(work));
            },
          };
          const group = groupOf(groupId);
          group.members.push(member);
          rebalance(group);
          logger.info("in-process bus: consumer joined", {
            groupId,
            partitions: member.partitions,
          });
          return Promise.resolve();
        },
        stop() {
          const leaving = member;
          if (!leaving) return Promise.resolve();
          stopping ??= (async () => {
            const group = groupOf(groupId);
            if (group.members.length === 1) {
              // The last member: what is in memory now would be lost with the process.
              leaving.drainUntil = new Map(leaving.partitions.map((p) => [p, end(p)]));
              for (const p of leaving.partitions) kick(group, p);
              await Promise.all(leaving.partitions.map((p) => group.slots[p].running));
            }
            group.members = group.members.filter((m) => m !== leaving);
            rebalance(group);
            await Promise.allSettled([...leaving.inflight]);
            leaving.partitions = [];
          })();
          return stopping;
        },
      };
    },
  };
}

/**
 * Moves the relay's saved cursor back to just before the first event the
 * read store has not applied, so the relay publishes it again. Needed with
 * {@link inProcessBus} after a crash: the relay had saved its cursor for
 * events the lost in-memory log never handed to the projector. Run it before
 * the worker starts. When the read store is another database (another `Sql`),
 * the cursor is removed and the relay publishes everything again; the
 * projector skips what it has by stream version. Returns the new cursor, or
 * null when nothing had to move.
 *
 * @example
 * ```ts
 * const moved = await rewindRelay({ eventSql, readSql }); // { transactionId: "812", position: 41 }
 * ```
 */
export async function rewindRelay(
  options: { eventSql: Sql; readSql: Sql; relay?: string },
): Promise<Cursor | null> {
  const { eventSql, readSql } = options;
  const relay = options.relay ?? "main";
  if (eventSql !== readSql) {
    const removed =
      await eventSql`delete from relay_cursors where relay = ${relay} returning relay`;
    return removed.length > 0 ? { transactionId: "0", position: 0 } : null;
  }
  const [moved] = await eventSql<{ transaction_id: string; position: string }[]>`
    with first_unapplied as (
      select transaction_id, global_position - 1 as position from events e
      where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        and not exists (select 1 from applied_positions a where a.position = e.global_position)
      order by transaction_id, global_position
      limit 1)
    update relay_cursors r
    set transaction_id = f.transaction_id, position = f.position, updated_at = now()
    from first_unapplied f
    where r.relay = ${relay} and (r.transaction_id, r.position) > (f.transaction_id, f.position)
    returning r.transaction_id::text as transaction_id, r.position`;
  return moved ? { transactionId: moved.transaction_id, position: Number(moved.position) } : null;
}

/** A partition's retained messages; `first` is the log index of `entries[0]`. */
type PartitionLog = { first: number; entries: WireMessage[] };

/** One partition as one group sees it. */
type Slot = {
  /** Log index of the next message to deliver. */
  next: number;
  /** The group's offset of log index 0; set by its first checkpoint read on this bus. */
  shift: number | null;
  owner: Member | null;
  /** Read the owner's checkpoint before the next batch. */
  resync: boolean;
  failures: number;
  retry: ReturnType<typeof setTimeout> | undefined;
  running: Promise<void> | null;
  again: boolean;
};

type Member = {
  handle: (batch: ConsumedBatch) => Promise<BatchOutcome>;
  checkpoint: (topic: string, partition: number) => Promise<number | null>;
  partitions: number[];
  /** Set while the last member stops: deliver up to these log indexes, then nothing. */
  drainUntil: Map<number, number> | null;
  inflight: Set<Promise<unknown>>;
  track<T>(work: Promise<T>): Promise<T>;
};

type Group = { id: string; members: Member[]; slots: Slot[] };

function consumed(wire: WireMessage, offset: number): ConsumedMessage {
  const decoded = tryDecode(wire);
  return decoded.event
    ? { offset, wire, event: decoded.event }
    : { offset, wire, event: null, error: decoded.error };
}

const utf8 = new TextEncoder();

/** FNV-1a of the key's UTF-8 bytes: stable across processes and runs. */
function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(key)) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 0) % partitions;
}
