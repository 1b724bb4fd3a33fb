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
