import type { Handlers, PageProps } from "$fresh/server.ts";
import type { State } from "../../utils.ts";

type Data = { titles: string[] };

export const handler: Handlers<Data, State> = {
  GET(_req, ctx) {
    return ctx.render({ titles: ["first", "second"] });
  },
};

export default function Posts({ data, state }: PageProps<Data, State>) {
  return (
    <ul data-trail={state.trail.join(">")}>
      {data.titles.map((t) => <li key={t}>{t}</li>)}
    </ul>
  );
}
