import { Assets } from "../infra/web/mod.ts";
import type { AppProps } from "../infra/web/mod.ts";
import { Header } from "../components/Header.tsx";
import type { State } from "../utils.ts";

export default function App({ Component, state, url }: AppProps<State>) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Agora</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <Assets />
      </head>
      <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <Header actor={state.actor ?? null} path={url.pathname} />
        <main class="mx-auto max-w-2xl px-4 pb-16 pt-6">
          <Component />
        </main>
      </body>
    </html>
  );
}
