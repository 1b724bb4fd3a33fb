/**
 * Server rendering of one page: the page component inside its layouts
 * (outermost first) inside `_app`, to a complete HTML response. Async
 * components (`defineRoute`, async layouts) are awaited first, innermost
 * first; then the tree renders synchronously, with `<Head>` children and
 * the islands script written into the document afterwards.
 *
 * @module
 */
import type { ComponentChildren, ComponentType } from "preact";
import { renderToString } from "preact-render-to-string";
import { withAssets } from "./asset.ts";
import type { DefaultState, FreshContext, RenderOptions } from "./context.ts";
import { isAsyncComponent, type RouteContext } from "./defines.ts";
import { HeadContext } from "./head.ts";
import type { ErrorBody } from "./http_error.ts";
import { type IslandRegistry, withIslands } from "./island_marker.ts";

/**
 * What a page, layout or `_app` component receives: the context without its
 * functions.
 *
 * @example
 * ```tsx
 * export default function PostPage({ data, state }: PageProps<Post, State>) {
 *   return <h1>{data.title} {state.user && "(signed in)"}</h1>;
 * }
 * ```
 */
export type PageProps<Data = unknown, State = DefaultState> = Omit<
  FreshContext<State, Data>,
  "render" | "next" | "renderNotFound"
>;

/** Props of a `_layout` (Fresh 1.7 keeps this name as an alias of {@link PageProps}). */
export type LayoutProps<Data = unknown, State = DefaultState> = PageProps<Data, State>;

/** Props of `_app` (an alias of {@link PageProps}, as in Fresh 1.7). */
export type AppProps<Data = unknown, State = DefaultState> = PageProps<Data, State>;

/**
 * What `_404` and `_500` receive: `data` is the public face of the error (a
 * 5xx never carries the original message) with its status; `error` is the
 * thrown value itself (on `_500`).
 *
 * @example
 * ```tsx
 * export default function ServerError({ data }: ErrorPageProps) {
 *   return <p>{data.message} ({data.status})</p>;
 * }
 * ```
 */
export type ErrorPageProps<State = DefaultState> = PageProps<ErrorPageData, State>;

/** The `data` of an error page. */
export type ErrorPageData = ErrorBody & { status: number };

/** A component of a route module, whatever its props (checked when it renders). */
export type AnyComponent = ComponentType<never>;

/** The components that make one page. */
export type PageParts = {
  app?: AnyComponent;
  /** Outermost first. */
  layouts: readonly AnyComponent[];
  page: AnyComponent;
};

/** The built browser files a page links. */
export type RenderAssets = {
  /** Public path -> URL for `asset()`, e.g. `/styles.css` -> `/_build/static/styles-….css`. */
  files: Readonly<Record<string, string>>;
  /** The islands bundle, written into `<head>` as a module script. */
  islands?: string;
};

/**
 * Renders `parts` to an HTML response (islands marked, `<Head>` and the
 * islands script written in). An async component answering a Response
 * (e.g. `ctx.renderNotFound()`) is returned instead.
 */
export async function renderPage(
  parts: PageParts,
  options: {
    req: Request;
    ctx: RouteContext<unknown, unknown>;
    init?: RenderOptions;
    assets: RenderAssets;
    islands: IslandRegistry;
    /** The response's CSP nonce, put on the islands script. */
    nonce?: string;
  },
): Promise<Response> {
  const { req, ctx, init, assets, islands } = options;
  const props = pageProps(ctx);
  let inner: ComponentType = () => null;
  for (const part of [parts.page, ...[...parts.layouts].reverse(), parts.app ?? DefaultApp]) {
    const Child = inner;
    if (isAsyncComponent(part)) {
      const out: ComponentChildren | Response = await part(req, { ...ctx, Component: Child });
      if (out instanceof Response) return out;
      inner = () => <>{out}</>;
    } else {
      const Part = part as ComponentType<PageProps<unknown, unknown>>;
      inner = () => <Part {...props} Component={Child} />;
    }
  }
  const Document = inner;
  const head: ComponentChildren[] = [];
  const html = withAssets(assets.files, () =>
    withIslands(islands, () =>
      renderToString(
        <HeadContext.Provider value={head}>
          <Document />
        </HeadContext.Provider>,
      )));
  const extraHead = head.length > 0 ? renderToString(<>{head}</>) : "";
  // Always linked when there is a bundle: one immutable file, cached after the first page.
  const script = assets.islands
    ? `<script type="module" src="${escapeAttr(assets.islands)}"${
      options.nonce ? ` nonce="${escapeAttr(options.nonce)}"` : ""
    }></script>`
    : "";
  const headers = new Headers(init?.headers);
  if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
  return new Response("<!DOCTYPE html>" + intoHead(html, extraHead + script), {
    status: init?.status ?? 200,
    statusText: init?.statusText,
    headers,
  });
}

/** The props of a synchronous component: the context's fields, not its functions. */
function pageProps(ctx: RouteContext<unknown, unknown>): PageProps<unknown, unknown> {
  const { renderNotFound: _renderNotFound, ...props } = ctx;
  return props;
}

/**
 * `extra` written at the end of `<head>`. A `<title>` in it replaces the
 * document's own (the page knows its title better than `_app`).
 */
function intoHead(html: string, extra: string): string {
  if (extra === "") return html;
  const end = html.indexOf("</head>");
  if (end < 0) return extra + html;
  let head = html.slice(0, end);
  if (/<title[\s>]/.test(extra)) head = head.replace(/<title[\s>][\s\S]*?<\/title>/, "");
  return head + extra + html.slice(end);
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** The document shell when the app has no `_app`. */
function DefaultApp({ Component }: AppProps<unknown, unknown>) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
      </head>
      <body>
        <Component />
      </body>
    </html>
  );
}
