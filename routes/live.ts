import { z } from "zod";
import { type CommentItem, toCommentItem } from "../components/representations.ts";
import { define } from "../utils.ts";

/**
 * Live update payload of a post page: its whole state, so an edit
 * (MessageUpdated: `message`, `updatedAt`) or a deletion (PostRemoved:
 * `removed`) reaches an open page like a like or a comment does.
 */
export type LivePost = {
  removed: boolean;
  likes: number;
  likedByMe: boolean;
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

/**
 * Server-sent events, one stream per page: `/live?post=<id>` or `/live?feed=1`.
 * Fed by the projector's change notifications; each event carries the read
 * model's position as its id. Events carry whole state (counts, comments),
 * and every (re)connection starts with the current state, so a client that
 * resumes with `Last-Event-ID` misses nothing.
 */
export const handler = define.handlers({
  GET(ctx) {
    const parsed = query.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!parsed.success) {
      return new Response("expected ?post=<uuid> or ?feed=1", { status: 400 });
    }
    const { system } = ctx.state;
    const target = parsed.data;
    const encoder = new TextEncoder();
    let last = ""; // the last payload sent, so unchanged state is not sent again
    let unsubscribe = () => {};
    let keepalive: ReturnType<typeof setInterval> | undefined;
    let pushing = Promise.resolve();

    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
          }
        };
        const stop = () => {
          unsubscribe();
          clearInterval(keepalive);
          try {
            controller.close();
          } catch { /* already closed */ }
        };
        const push = async () => {
          const position = await system.readStore.appliedPosition();
          const { event, data } = "post" in target
            ? { event: "post", data: await postState(target.post) }
            : { event: "feed", data: await feedState() };
          const json = JSON.stringify(data);
          if (json === last) return;
          last = json;
          send(`id: ${position}\nevent: ${event}\ndata: ${json}\n\n`);
        };
        // Notifications can come in bursts: pushes run one after another.
        const schedule = () => {
          pushing = pushing.then(push).catch(() => {});
        };
        const postState = async (postId: string): Promise<LivePost> => {
          const post = await system.mediator.query({ type: "FindPostById", postId }, ctx.state.ctx);
          if (!post) {
            return {
              removed: true,
              likes: 0,
              likedByMe: false,
              version: 0,
              message: "",
              updatedAt: null,
              comments: [],
            };
          }
          return {
            removed: false,
            likes: post.likes,
            likedByMe: post.likedByMe,
            version: post.version,
            message: post.message,
            updatedAt: post.updatedAt,
            comments: post.commentList.map(toCommentItem),
          };
        };
        const feedState = async (): Promise<LiveFeed> => {
          const page = await system.mediator.query(
            { type: "FindAllPosts", limit: 50 },
            ctx.state.ctx,
          );
          return {
            posts: page.posts.map((p) => ({ id: p.id, likes: p.likes, comments: p.comments })),
          };
        };

        send("retry: 2000\n\n");
        unsubscribe = system.changes.subscribe(schedule);
        keepalive = setInterval(() => send(": keepalive\n\n"), KEEPALIVE_MS);
        system.closing.addEventListener("abort", stop, { once: true });
        // The current state first: whatever changed between the page's render
        // (or the last event a reconnecting client saw) and now is not missed.
        schedule();
      },
      cancel() {
        unsubscribe();
        clearInterval(keepalive);
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  },
});
