/**
 * Every wait in a test has a deadline: `within` fails the test with `what`
 * when `promise` has not settled after `ms`, instead of hanging CI.
 *
 * @example
 * ```ts
 * const event = await within(stream.next(), 10_000, "the next live event");
 * ```
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
