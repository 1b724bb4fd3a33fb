/**
 * Extra web server threads for WEB_THREADS > 1: each runs `web_thread.ts`
 * (the whole app, its own pools) on the same port with SO_REUSEPORT, so one
 * process uses several cores.
 *
 * @module
 */
import type { ThreadCommand, ThreadEvent } from "../web_thread.ts";

/** Running extra threads. */
export type WebThreads = {
  count: number;
  /** Stops them (each finishes its in-flight requests); terminated after `graceMs`. */
  stop(graceMs: number): Promise<void>;
};

/**
 * Starts `count` more web servers in threads and waits until each listens;
 * fails (stopping the started ones) when one cannot start.
 *
 * @example
 * ```ts
 * const threads = await startWebThreads(config.WEB_THREADS - 1);
 * await threads.stop(10_000);
 * ```
 */
export async function startWebThreads(count: number): Promise<WebThreads> {
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL("../web_thread.ts", import.meta.url), { type: "module" }),
  );
  const next = (worker: Worker) =>
    new Promise<ThreadEvent>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<ThreadEvent>) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(`web thread: ${event.message}`));
      };
    });
  const send = (worker: Worker, command: ThreadCommand) => worker.postMessage(command);

  async function stop(graceMs: number): Promise<void> {
    await Promise.all(workers.map(async (worker) => {
      const stopped = next(worker).catch(() => {});
      send(worker, { type: "stop" });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stopped, new Promise((r) => timer = setTimeout(r, graceMs))]);
      clearTimeout(timer);
      worker.terminate();
    }));
  }

  const started = await Promise.allSettled(workers.map((worker, i) => {
    const answer = next(worker);
    send(worker, { type: "start", index: i + 1 });
    return answer;
  }));
  const failed = started.map((s) =>
    s.status === "rejected" ? String(s.reason) : s.value.type === "failed" ? s.value.message : null
  ).find(Boolean);
  if (failed) {
    await stop(1000);
    throw new Error(`a web thread did not start: ${failed}`);
  }
  return { count, stop };
}
