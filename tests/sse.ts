/**
 * Reading server-sent events in tests, one parsed event at a time.
 *
 * @module
 */
import { within } from "./deadline.ts";

/** One server-sent event (retry hints and keep-alive comments are skipped). */
export type LiveEvent = { id: string; event: string; data: string };

/**
 * The events of a response body; each `next()` fails after `timeoutMs`.
 *
 * @example
 * ```ts
 * const stream = events(res.body!);
 * const { event, data } = await stream.next();
 * await stream.cancel();
 * ```
 */
export function events(body: ReadableStream<Uint8Array>, timeoutMs = 10_000) {
  const reader = body.pipeThrough(
    new TextDecoderStream() as ReadableWritablePair<string, Uint8Array>,
  ).getReader();
  let buffer = "";
  async function read(): Promise<LiveEvent> {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split("\n")) {
          const colon = line.indexOf(":");
          if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
        }
        if (fields.event) return { id: fields.id, event: fields.event, data: fields.data };
        continue; // retry hint or keepalive comment
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended");
      buffer += value;
    }
  }
  return {
    next: () => within(read(), timeoutMs, "the next live event"),
    cancel: () => reader.cancel(),
  };
}
