import type { PageProps } from "$fresh/server.ts";
import { Head } from "$fresh/runtime.ts";
import type { State } from "../utils.ts";

export default function About({ state }: PageProps<unknown, State>) {
  return (
    <>
      <Head>
        <title>About the fixture</title>
        <meta name="description" content="what this is" />
      </Head>
      <h1>About, trail={state.trail.join(">")}</h1>
    </>
  );
}
