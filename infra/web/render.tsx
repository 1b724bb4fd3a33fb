/**
 * Server rendering of one page: the page component inside its layouts
 * (outermost first) inside `_app`, to a complete HTML response.
 *
 * @module
 */
import type { ComponentType } from "preact";
import { renderToString } from "preact-render-to-string";
import { Assets, AssetsContext, type AssetUrls } from "./Assets.tsx";
import type { DefaultState, RenderInit } from "./context.ts";
import type { ErrorBody } from "./http_error.ts";
import { type IslandRegistry, withIslands } from "./island_marker.ts";

/**
 * What a page component receives.
 *
 * @example
 * ```tsx
 * export default function PostPage({ data, state }: PageProps<Post, State>) {
 *   return <h1>{data.title} {state.user && "(signed in)"}</h1>;
 * }
 * ```
 */
export type PageProps<Data = unknown, State = DefaultState> = {
  data: Data;
  url: URL;
  params: Readonly<Record<string, string>>;
  /** The matched pattern, e.g. `"/posts/:id"`; `null` on the 404 page. */
  route: string | null;
  state: State;
};

/**
 * What `_layout` receives: the page's props (with its data unknown) and the
 * inner content as `Component`.
 *
 * @example
 * ```tsx
 * export default function Layout({ Component }: LayoutProps) {
 *   return <main class="mx-auto max-w-xl"><Component /></main>;
 * }
 * ```
 */
export type LayoutProps<State = DefaultState> = PageProps<unknown, State> & {
  Component: ComponentType;
};

/** What `_app` receives; the same as a layout, for the whole document. */
export type AppProps<State = DefaultState> = LayoutProps<State>;

/**
 * What `_404` and `_500` receive: the public face of the error (a 5xx never
 * carries the original message) and its status.
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

/** Renders `parts` with `props` to an HTML response (islands marked, assets linked). */
export function renderPage(
  parts: PageParts,
  options: {
    props: PageProps<unknown, unknown>;
    init?: RenderInit;
    assets: AssetUrls;
    islands: IslandRegistry;
  },
): Response {
  const { props, init, assets, islands } = options;
  const Page = parts.page as ComponentType<PageProps<unknown, unknown>>;
  let Inner: ComponentType = () => <Page {...props} />;
  for (const layout of [...parts.layouts].reverse()) {
    const Layout = layout as ComponentType<LayoutProps<unknown>>;
    const Child = Inner;
    Inner = () => <Layout {...props} Component={Child} />;
  }
  const App = (parts.app ?? DefaultApp) as ComponentType<AppProps<unknown>>;
  const html = withIslands(islands, () =>
    renderToString(
      <AssetsContext.Provider value={assets}>
        <App {...props} Component={Inner} />
      </AssetsContext.Provider>,
    ));
  const headers = new Headers(init?.headers);
  if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
  return new Response("<!DOCTYPE html>" + html, { status: init?.status ?? 200, headers });
}

/** The document shell when the app has no `_app`. */
function DefaultApp({ Component }: AppProps<unknown>) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Assets />
      </head>
      <body>
        <Component />
      </body>
    </html>
  );
}
