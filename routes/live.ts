import type { Handlers } from "$fresh/server.ts";
import { z } from "zod";
import { requestContext } from "../app/context.ts";
import { type CommentItem, toCommentItem } from "../components/representations.ts";
import type { Mediator } from "../app/mediator.ts";
import type { WebServices } from "../app/web_services.ts";
import { type LiveHub, liveHub, type LiveMessage } from "../utils/live_hub.ts";
import { HttpError } from "../utils/http_error.ts";
import type { State } from "../utils/state.ts";

/**
 * Live update payload of a post page: its whole state, so an edit
 * (MessageUpdated: `message`, `updatedAt`) or a deletion (PostRemoved:
 * `removed`) reaches an open page like a like or a comment does. The same
 * for every viewer (one read serves every stream), so it says nothing about
 * who liked what: the like button knows its own user's like from its own
 * requests.
 */
export type LivePost = {
  removed: boolean;
  likes: number;
  version: number;
  message: string;
  /** When the message was last edited, or null. */
  updatedAt: string | null;
  comments: CommentItem[];
};

/** Live update payload of the feed: the newest posts' ids and counts. */
export type LiveFeed = {
  posts: { id: string; likes: number; comments: number }[];
};

const query = z.union([
  z.object({ post: z.uuid() }),
  z.object({ feed: z.literal("1") }),
]);

/** Keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

const hubs = new WeakMap<WebServices, LiveHub>();

/** The process's hub: one read per topic per change, whatever the number of streams. */
function hubOf(services: WebServices, mediator: Mediator): LiveHub {
  let hub = hubs.get(services);
  if (hub) return hub;
  const { metrics, settings } = services;
  // Topics are read as nobody: the payload is the same for every viewer.
  const anonymous = () => requestContext({ correlationId: "live" });
  metrics.describe("live_reads_total", "Live stream topic reads (one per topic per change)");
  metrics.describe("live_streams_refused_total", "Live streams refused by a cap");
  hub = liveHub({
    onRead: () => metrics.inc("live_reads_total"),
    subscribe: (listener) => services.onProjectionChange(listener),
    perClient: settings.liveStreamsPerClient,
    total: settings.liveStreamsMax,
    async read(topic) {
      const position = await services.positions.applied();
      if (topic === "feed") {
        const page = await mediator.query({ type: "FindAllPosts", limit: 50 }, anonymous());
        const data: LiveFeed = {
          posts: page.posts.map((p) => ({ id: p.id, likes: p.likes, comments: p.comments })),
        };
        return { position, event: "feed", data };
      }
      const postId = topic.slice("post:".length);
      const post = await mediator.query({ type: "FindPostById", postId }, anonymous());
      const data: LivePost = post
        ? {
          removed: false,
          likes: post.likes,
          version: post.version,
          message: post.message,
          updatedAt: post.updatedAt,
          comments: post.commentList.map(toCommentItem),
        }
        : { removed: true, likes: 0, version: 0, message: "", updatedAt: null, comments: [] };
      return { position, event: "post", data };
    },
  });
  hubs.set(services, hub);
  return hub;
}

/**
 * Server-sent events, one stream per page: `/live?post=<id>` or `/live?feed=1`.
 * Fed by the projector's change notifications through the process's hub;
 * each event carries the read model's position as its id. Events carry whole
 * state (counts, comments). A reconnection whose `Last-Event-ID` is the read
 * model's current position resumes without a refresh; any other id (older,
 * unknown, malformed), or none, starts with the current state, so nothing is
 * missed. At
 * most LIVE_STREAMS_PER_CLIENT streams per address (429), LIVE_STREAMS_MAX
 * per process (503).
 */
export const handler: Handlers<unknown, State> = {
  GET(req, ctx) {
    const parsed = query.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!parsed.success) {
      return new Response("expected ?post=<uuid> or ?feed=1", { status: 400 });
    }
    const { services, mediator } = ctx.state;
    const topic = "post" in parsed.data ? `post:${parsed.data.post}` : "feed";
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let subscription: { close(): void } | null = null;
    const stop = () => {
      subscription?.close();
      clearInterval(keepalive);
      services.closing.removeEventListener("abort", stop);
      try {
        controller.close();
      } catch { /* already closed */ }
    };
    const send = (text: string) => {
      try {
        controller.enqueue(encoder.encode(text));
      } catch {
        stop();
      }
    };
    // start() runs at once, so the controller exists before the hub's first message.
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel: stop,
    });
    send("retry: 2000\n\n");
    const keepalive = setInterval(() => send(": keepalive\n\n"), KEEPALIVE_MS);
    // A client resuming at the current position already has this state: no refresh.
    const resumedAt = lastEventId(req);
    let first = true;
    const joined = hubOf(services, mediator).join({
      topic,
      client: ctx.state.clientAddress,
      send: (m: LiveMessage) => {
        const current = first && resumedAt !== null && m.id === resumedAt;
        first = false;
        if (!current) send(`id: ${m.id}\nevent: ${m.event}\ndata: ${m.json}\n\n`);
      },
    });
    if (typeof joined === "string") {
      stop();
      services.metrics.inc("live_streams_refused_total", { reason: joined });
      throw refusal(joined);
    }
    subscription = joined;
    services.closing.addEventListener("abort", stop, { once: true });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  },
};

function refusal(reason: string): HttpError {
  return reason === "client_limit"
    ? new HttpError(429, "too many live streams from this address", {
      code: "too_many_streams",
      headers: { "retry-after": "10" },
    })
    : new HttpError(503, "this server has as many live streams as it takes", {
      code: "too_many_streams",
      headers: { "retry-after": "10" },
    });
}

/** The position a reconnecting client saw last (its `Last-Event-ID`), or null. */
function lastEventId(req: Request): number | null {
  const value = req.headers.get("last-event-id")?.trim() ?? "";
  return /^\d{1,15}$/.test(value) ? Number(value) : null;
}
