import type postgres from "postgres";
import type { Sql } from "../postgres/connect.ts";
import { PROJECTION_CHANNEL } from "../postgres/tables.ts";

/** Projection change notifications, fanned out to in-process subscribers. */
export type ProjectionChanges = {
  /** Calls `listener` with the applied position after every projector batch. */
  subscribe(listener: (position: number) => void): () => void;
  close(): Promise<void>;
};

/**
 * One LISTEN per process on the projector's channel, shared by every
 * subscriber (e.g. each open server-sent events stream).
 *
 * @example
 * ```ts
 * const stop = changes.subscribe((position) => push(position));
 * ```
 */
export function projectionChanges(readSql: Sql): ProjectionChanges {
  const listeners = new Set<(position: number) => void>();
  let listening: Promise<postgres.ListenMeta> | null = null;
  return {
    subscribe(listener) {
      listeners.add(listener);
      listening ??= readSql.listen(PROJECTION_CHANNEL, (payload) => {
        const position = Number(payload) || 0;
        for (const l of listeners) l(position);
      }).catch((error) => {
        listening = null;
        throw error;
      });
      listening.catch(() => {});
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      const active = listening;
      listening = null;
      if (active) await active.then((meta) => meta.unlisten(), () => {});
    },
  };
}
