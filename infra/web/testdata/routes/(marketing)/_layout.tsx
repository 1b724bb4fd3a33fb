import { define } from "../../utils.ts";

export default define.layout(({ Component }) => (
  <aside data-layout="marketing">
    <Component />
  </aside>
));
