/**
 * A sleep that a wake-up ends early, for loops woken by NOTIFY (the relay, the
 * store tail). A wake-up that lands while the loop is busy (not sleeping) is
 * kept for its next sleep: appenders notify once per burst, so a lost one
 * would cost a whole poll interval.
 *
 * @example
 * ```ts
 * const signal = wakeSignal(() => stopped);
 * sql.listen(EVENTS_CHANNEL, signal.wake);
 * const woken = await signal.sleep(pollMs); // true: a wake-up (or a stop) ended it
 * ```
 */
export type WakeSignal = {
  /** Ends the current sleep, or the next one if none is running. */
  wake(): void;
  /**
   * Resolves after `ms`, or at once on a wake-up; true when a wake-up ended it.
   * Returns at once (true) while the owner is stopped.
   */
  sleep(ms: number): Promise<boolean>;
  /** Waits `ms` whatever the wake-ups (backoff, a standby's wait), unless the owner stops. */
  pause(ms: number): Promise<void>;
};

/** A WakeSignal; `stopped` tells when sleeping is pointless (the loop is ending). */
export function wakeSignal(stopped: () => boolean): WakeSignal {
  let woken = false;
  let end: (() => void) | null = null;
  const signal: WakeSignal = {
    wake() {
      woken = true;
      end?.();
    },
    sleep(ms) {
      return new Promise<boolean>((resolve) => {
        if (woken || stopped()) {
          woken = false;
          return resolve(true);
        }
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          end = null;
          resolve(woken);
          woken = false;
        }
        end = done;
      });
    },
    async pause(ms) {
      const until = Date.now() + ms;
      while (!stopped() && Date.now() < until) await signal.sleep(until - Date.now());
    },
  };
  return signal;
}
