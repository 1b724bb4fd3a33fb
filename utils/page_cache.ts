/**
 * Rendered pages served again while nothing they show can have changed.
 *
 * A page is kept under the read model's generation (a counter every
 * projector batch, restore swap and dead letter's retry raises in the same
 * transaction as its change, `read_model_progress.ts`), the viewer (and whether they administer), the scheme and the URL. The generation is read after
 * the request arrived (and after read-your-writes waited), so a hit shows
 * everything a fresh render would; only relative times ("3 min ago") may be
 * up to `ttlMs` old. The CSP nonce is the one part that differs per
 * response: a hit gets the current request's.
 *
 * @module
 */
import type { FreshContext, Handler } from "$fresh/server.ts";
import type { State } from "./state.ts";

/**
 * A rendered page as UTF-8, split around its nonce so a hit only copies bytes
 * (encoding a 40 KB string again cost more than the rest of a hit).
 */
type Entry = {
  before: Uint8Array<ArrayBuffer>;
  after: Uint8Array<ArrayBuffer>;
  headers: [string, string][];
  storedAt: number;
};

/** A bounded map of rendered pages: oldest out first, entries expire after `ttlMs`. */
export type PageCache = {
  get(key: string): Entry | undefined;
  set(key: string, entry: Omit<Entry, "storedAt">): Entry;
  /** Renders under way, by key: requests for the same page wait for it instead of rendering too. */
  readonly rendering: Map<string, Promise<Entry | undefined>>;
  readonly size: number;
};

/**
 * The page cache the settings ask for: none when either is 0 (pages are then
 * rendered for every request, and no generation is read).
 */
export function pageCacheFor(settings: { entries: number; ttlMs: number }): PageCache | undefined {
  return settings.entries > 0 && settings.ttlMs > 0 ? pageCache(settings) : undefined;
}

/**
 * A page cache of at most `entries` pages, each kept `ttlMs` (`pageCacheFor`
 * is where 0 turns it off).
 *
 * @example
 * ```ts
 * const pages = pageCache({ entries: 256, ttlMs: 1000 });
 * ```
 */
export function pageCache(
  options: { entries: number; ttlMs: number; now?: () => number },
): PageCache {
  const now = options.now ?? (() => performance.now());
  const pages = new Map<string, Entry>();
  return {
    get(key) {
      const entry = pages.get(key);
      if (entry && now() - entry.storedAt > options.ttlMs) {
        pages.delete(key);
        return undefined;
      }
      return entry;
    },
    set(key, entry) {
      const stored = { ...entry, storedAt: now() };
      pages.delete(key);
      pages.set(key, stored);
      // Pages of older generations are never asked for again: first in, first out is enough.
      while (pages.size > options.entries) pages.delete(pages.keys().next().value!);
      return stored;
    },
    rendering: new Map(),
    get size() {
      return pages.size;
    },
  };
}

/**
 * The route's GET, its 200 HTML answers cached per generation, viewer and
 * URL (see the module comment). Other answers (a 404, a redirect) are never
 * kept.
 *
 * @example
 * ```ts
 * export const handler: Handlers<Data, State> = {
 *   GET: cachedPage(async (_req, ctx) => ctx.render(await load(ctx))),
 * };
 * ```
 */
export function cachedPage<Data>(get: Handler<Data, State>): Handler<Data, State> {
  return async (req, ctx) => {
    const { pages } = ctx.state;
    const { positions, metrics } = ctx.state.services;
    if (!pages) return await get(req, ctx);
    const key = keyOf(ctx, await positions.generation());
    const hit = pages.get(key);
    if (hit) {
      metrics.inc("page_cache_hits_total");
      return fromEntry(hit, ctx.state.nonce);
    }
    // The same page being rendered for another request (a new generation, an expired entry,
    // many readers at once): wait for that one rather than render it again.
    const inFlight = pages.rendering.get(key);
    const shared = inFlight && await inFlight;
    if (shared) {
      metrics.inc("page_cache_hits_total");
      return fromEntry(shared, ctx.state.nonce);
    }
    metrics.inc("page_cache_misses_total");
    let settle: (entry: Entry | undefined) => void = () => {};
    const mine = new Promise<Entry | undefined>((resolve) => settle = resolve);
    // Set with no await since the look-up above: the next request for this page finds it.
    if (!pages.rendering.has(key)) pages.rendering.set(key, mine);
    try {
      const response = await get(req, ctx);
      const type = response.headers.get("content-type") ?? "";
      if (response.status !== 200 || !type.startsWith("text/html") || response.bodyUsed) {
        settle(undefined); // not kept (a 404, a redirect): the waiting requests render their own
        return response;
      }
      const body = await response.text();
      const headers = [...response.headers];
      settle(pages.set(key, { ...split(body, ctx.state.nonce), headers }));
      return new Response(body, { status: 200, headers });
    } catch (error) {
      settle(undefined);
      throw error;
    } finally {
      if (pages.rendering.get(key) === mine) pages.rendering.delete(key);
    }
  };
}

function fromEntry(entry: Entry, nonce: string | undefined): Response {
  return new Response(joined(entry, nonce), { status: 200, headers: entry.headers });
}

function keyOf(ctx: FreshContext<State>, generation: number): string {
  // Everything of the viewer a page shows: who (likes, own posts) and the admin link.
  const { actor } = ctx.state;
  const viewer = actor ? `${actor.userId}${actor.isAdmin ? "+admin" : ""}` : "-";
  return `${generation} ${viewer} ${
    ctx.state.https ? "s" : "p"
  } ${ctx.url.pathname}${ctx.url.search}`;
}

const utf8 = new TextEncoder();

/** The page's bytes before and after its nonce (the islands script's, the first one). */
function split(
  body: string,
  nonce: string | undefined,
): { before: Uint8Array<ArrayBuffer>; after: Uint8Array<ArrayBuffer> } {
  const at = nonce ? body.indexOf(` nonce="${nonce}"`) : -1;
  if (at < 0) return { before: utf8.encode(body), after: new Uint8Array(0) };
  const start = at + ' nonce="'.length;
  return {
    before: utf8.encode(body.slice(0, start)),
    after: utf8.encode(body.slice(start + nonce!.length)),
  };
}

/** The stored page with this response's nonce in its place. */
function joined(entry: Entry, nonce: string | undefined): Uint8Array<ArrayBuffer> {
  const middle = entry.after.length > 0 && nonce ? utf8.encode(nonce) : new Uint8Array(0);
  const out = new Uint8Array(entry.before.length + middle.length + entry.after.length);
  out.set(entry.before, 0);
  out.set(middle, entry.before.length);
  out.set(entry.after, entry.before.length + middle.length);
  return out;
}
