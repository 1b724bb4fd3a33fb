/**
 * Work a process starts off the request path (moving a snapshot forward),
 * kept track of so that shutdown can let it finish and a test can wait for
 * it. A task's failure is its own business: it reports it itself.
 *
 * @module
 */

/** Where background work runs. */
export type Background = {
  /** Starts `task` now; nobody awaits it but {@link Background.settled}. */
  run(task: () => Promise<void>): void;
  /** Resolves once every task started so far (and any they started) has ended. */
  settled(): Promise<void>;
};

/**
 * A tracker of background tasks.
 *
 * @example
 * ```ts
 * const background = backgroundTasks();
 * background.run(() => moveSnapshotForward(store, options)); // logs its own failure
 * await background.settled(); // at shutdown, or in a test before looking
 * ```
 */
export function backgroundTasks(): Background {
  const running = new Set<Promise<void>>();
  return {
    run(task) {
      const done: Promise<void> = task().catch(() => {}).finally(() => running.delete(done));
      running.add(done);
    },
    async settled() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
