import type { AppProps } from "$fresh/server.ts";
import { asset } from "$fresh/runtime.ts";
import { Header } from "../components/Header.tsx";
import { noticeOf } from "../components/notices.ts";
import { pageTitle } from "../components/title.ts";
import type { State } from "../utils/state.ts";

export default function App({ Component, state, url, data }: AppProps<unknown, State>) {
  const notice = noticeOf(url);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{pageTitle(data)}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={asset("/styles.css")} />
      </head>
      <body
        class="min-h-screen bg-slate-50 text-slate-900 antialiased"
        data-position={state.position}
      >
        <a
          href="#main"
          class="sr-only rounded-md bg-indigo-600 px-4 py-3 font-semibold text-white focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-20"
        >
          Skip to content
        </a>
        <Header actor={state.actor ?? null} path={url.pathname} />
        <main id="main" tabindex={-1} class="mx-auto max-w-2xl px-4 pb-16 pt-6 focus:outline-none">
          {notice && (
            <p
              role="status"
              data-notice
              class="mb-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm font-medium text-emerald-800"
            >
              {notice}
            </p>
          )}
          <Component />
        </main>
      </body>
    </html>
  );
}
