/**
 * The page's one server-sent events stream, shared by every island on it.
 * Browser-only code (imported by islands).
 */
import { type Signal, signal } from "@preact/signals";
import { plainApiMessage } from "../components/plain_errors.ts";

type Stream = { source: EventSource | null; signals: Map<string, Signal<unknown>> };

const streams = new Map<string, Stream>();

/**
 * A signal holding the latest `event` payload of the stream at `url`; the
 * stream is opened once per page, whoever asks first. EventSource resends
 * `Last-Event-ID` on reconnect by itself.
 *
 * @example
 * ```ts
 * const post = liveSignal<LivePost>(`/live?post=${id}`, "post");
 * effect(() => console.log(post.value?.likes));
 * ```
 */
export function liveSignal<T>(url: string, event: string): Signal<T | null> {
  let stream = streams.get(url);
  if (!stream) {
    const source = typeof EventSource === "undefined" ? null : new EventSource(url);
    stream = { source, signals: new Map() };
    streams.set(url, stream);
  }
  let value = stream.signals.get(event);
  if (!value) {
    const created = signal<unknown>(null);
    stream.signals.set(event, created);
    stream.source?.addEventListener(event, (e) => {
      const message = e as MessageEvent<string>;
      // A state older than the page itself (a stream's cached state sent on
      // joining) would undo what the page already shows: wait for a newer one.
      if (Number(message.lastEventId) < pagePosition()) return;
      created.value = JSON.parse(message.data);
    });
    value = created;
  }
  return value as Signal<T | null>;
}

/** The read-model position the page was rendered at (`<body data-position>`), 0 if unknown. */
function pagePosition(): number {
  return Number(globalThis.document?.body?.dataset.position ?? 0) || 0;
}

/** What an island says when the server cannot be reached at all. */
export const OFFLINE = "Could not reach Agora. Check your connection, then try again.";

/**
 * JSON request helper for islands: same-origin, JSON in and out, errors as
 * plain sentences (a lost connection included), never a developer's message.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const write = method !== "GET" && method !== "HEAD";
  const res = await fetch(path, {
    method,
    // Writes are always JSON (the API refuses other content types), even without fields.
    headers: write
      ? { accept: "application/json", "content-type": "application/json" }
      : { accept: "application/json" },
    body: write ? JSON.stringify(body ?? {}) : undefined,
  }).catch(() => {
    throw new Error(OFFLINE);
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const error = data?.error;
    const fallback = res.status >= 500
      ? "Something went wrong on our side. Please try again."
      : "That did not work. Please reload the page and try again.";
    throw new Error(error?.message ? plainApiMessage(error.code, error.message) : fallback);
  }
  return data as T;
}
