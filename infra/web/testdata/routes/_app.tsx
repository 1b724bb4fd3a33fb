import type { AppProps } from "$fresh/server.ts";
import { asset } from "$fresh/runtime.ts";
import type { State } from "../utils.ts";

export default function App({ Component, state }: AppProps<unknown, State>) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>fixture</title>
        <link rel="stylesheet" href={asset("/styles.css")} />
      </head>
      <body data-app="shell" data-user={state.user ?? ""}>
        <Component />
      </body>
    </html>
  );
}
