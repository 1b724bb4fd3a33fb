/**
 * Failed sign-ins counted per account and per client address, in memory
 * (one process; a restart forgets them). Past the limit, attempts are refused
 * before any password hash runs, until the window since the first counted
 * failure has passed; a success clears the account's count.
 *
 * @example
 * ```ts
 * const throttle = signInThrottle({ maxFailures: 10, windowSeconds: 900 });
 * const wait = throttle.check("alice", "203.0.113.7"); // 0: go ahead
 * ```
 */
export type SignInThrottle = {
  /** Seconds to wait before trying again, or 0 when the attempt may go ahead. */
  check(account: string, address: string | null): number;
  /**
   * Counts an attempt as failed. Called before the password is checked, so
   * concurrent attempts cannot all slip past `check` together.
   */
  failed(account: string, address: string | null): void;
  /** The password was right: the account's count is cleared, the address's attempt forgiven. */
  succeeded(account: string, address: string | null): void;
};

/** Options of {@link signInThrottle}. */
export type SignInThrottleOptions = {
  /** Failures allowed per account in one window (SIGNIN_MAX_FAILURES). */
  maxFailures: number;
  /** Window length (SIGNIN_WINDOW_S). */
  windowSeconds: number;
  /** One address may fail this many times the account limit (it may front many users). */
  addressFactor?: number;
  now?: () => number;
};

type Window = { failures: number; since: number };

/** Past this many tracked keys, expired windows are dropped. */
const MAX_TRACKED = 100_000;

/** Builds a {@link SignInThrottle}. */
export function signInThrottle(options: SignInThrottleOptions): SignInThrottle {
  const now = options.now ?? Date.now;
  const windowMs = options.windowSeconds * 1000;
  const windows = new Map<string, Window>();
  const limitOf = (key: string) =>
    key.startsWith("addr:")
      ? options.maxFailures * (options.addressFactor ?? 5)
      : options.maxFailures;

  const current = (key: string, at: number): Window | undefined => {
    const w = windows.get(key);
    if (w && at - w.since >= windowMs) {
      windows.delete(key);
      return undefined;
    }
    return w;
  };
  const keys = (account: string, address: string | null) =>
    address ? [`acct:${account}`, `addr:${address}`] : [`acct:${account}`];

  return {
    check(account, address) {
      const at = now();
      let wait = 0;
      for (const key of keys(account, address)) {
        const w = current(key, at);
        if (w && w.failures >= limitOf(key)) {
          wait = Math.max(wait, Math.ceil((w.since + windowMs - at) / 1000));
        }
      }
      return wait;
    },
    failed(account, address) {
      const at = now();
      if (windows.size >= MAX_TRACKED) {
        // Windows are kept in the order they opened (a live one is updated in place), so
        // the expired ones are at the front: stop at the first live one.
        for (const [key, w] of windows) {
          if (at - w.since < windowMs) break;
          windows.delete(key);
        }
      }
      for (const key of keys(account, address)) {
        const w = current(key, at) ?? { failures: 0, since: at };
        w.failures++;
        windows.set(key, w);
      }
    },
    succeeded(account, address) {
      windows.delete(`acct:${account}`);
      const w = address ? current(`addr:${address}`, now()) : undefined;
      if (w) w.failures = Math.max(0, w.failures - 1);
    },
  };
}
