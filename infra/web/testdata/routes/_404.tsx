import type { ErrorPageProps } from "$fresh/server.ts";
import type { State } from "../utils.ts";

export default function NotFound({ data, url, state }: ErrorPageProps<State>) {
  return (
    <p data-page="404">
      {data.status} {data.message} {url.pathname} trail={state.trail?.join(">")}
    </p>
  );
}
