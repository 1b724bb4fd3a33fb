import type { PageProps } from "$fresh/server.ts";
import type { State } from "../../utils.ts";

export default function Pricing({ state }: PageProps<unknown, State>) {
  return <p data-page="pricing">trail={state.trail.join(">")}</p>;
}
