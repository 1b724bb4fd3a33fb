import { scrypt, timingSafeEqual } from "node:crypto";
import type { PasswordHasher } from "../app/ports.ts";

/** scrypt cost parameters (N = 2^15, r = 8, p = 1: about 32 MiB and tens of ms per hash). */
const DEFAULTS = { N: 1 << 15, r: 8, p: 1, keyLength: 32 };

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number; keyLength: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize("NFKC"),
      salt,
      params.keyLength,
      { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 },
      (error, key) => error ? reject(error) : resolve(key),
    )
  );
}

/**
 * Password hashing with scrypt from node:crypto. The stored string carries its
 * own parameters, `scrypt$N$r$p$salt$key` (base64), so costs can rise later.
 *
 * @example
 * ```ts
 * const hasher = scryptHasher();
 * const hash = await hasher.hash("correct horse");
 * await hasher.verify("correct horse", hash); // true
 * ```
 */
export function scryptHasher(params = DEFAULTS): PasswordHasher {
  return {
    async hash(password) {
      const salt = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
      const key = await derive(password, salt, params);
      return [
        "scrypt",
        params.N,
        params.r,
        params.p,
        salt.toString("base64"),
        key.toString("base64"),
      ]
        .join("$");
    },
    async verify(password, stored) {
      const [scheme, n, r, p, salt, key] = stored.split("$");
      if (scheme !== "scrypt" || !key) return false;
      const expected = Buffer.from(key, "base64");
      const actual = await derive(password, Buffer.from(salt, "base64"), {
        N: Number(n),
        r: Number(r),
        p: Number(p),
        keyLength: expected.length,
      });
      return timingSafeEqual(expected, actual);
    },
  };
}

/**
 * At most `concurrency` hashes at once in this process; the rest wait in
 * line. A hash costs about 32 MiB, so a flood of sign-ins queues up instead
 * of exhausting memory (SIGNIN_HASH_CONCURRENCY).
 *
 * @example
 * ```ts
 * const hasher = queuedHasher(scryptHasher(), { concurrency: 4 });
 * ```
 */
export function queuedHasher(
  inner: PasswordHasher,
  options: { concurrency: number },
): PasswordHasher & { readonly running: number; readonly peak: number } {
  let running = 0;
  let peak = 0;
  const waiting: (() => void)[] = [];
  async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= options.concurrency) await new Promise<void>((r) => waiting.push(r));
    running++;
    peak = Math.max(peak, running);
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  }
  return {
    get running() {
      return running;
    },
    get peak() {
      return peak;
    },
    hash: (password) => slot(() => inner.hash(password)),
    verify: (password, hash) => slot(() => inner.verify(password, hash)),
  };
}
