import { messageOf } from "../app/log.ts";

/**
 * Runs one readiness check with a deadline: `[name, "ok"]`, or `[name, why]`
 * when it failed or did not answer in time. Used by the web's /ready and the
 * worker's /health.
 *
 * @example
 * ```ts
 * const checks = await Promise.all([probe("eventStore", () => sql`select 1`, 2000)]);
 * ```
 */
export async function probe(
  name: string,
  check: () => Promise<unknown>,
  timeoutMs: number,
): Promise<[string, string]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return [name, "ok"];
  } catch (error) {
    return [name, messageOf(error)];
  } finally {
    clearTimeout(timer);
  }
}
