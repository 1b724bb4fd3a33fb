import { define } from "../../utils.ts";

export const handler = define.handlers<{ titles: string[] }>({
  GET(ctx) {
    return ctx.render({ titles: ["first", "second"] });
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <ul data-trail={state.trail.join(">")}>
    {data.titles.map((t) => <li key={t}>{t}</li>)}
  </ul>
));
