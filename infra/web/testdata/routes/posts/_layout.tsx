import { define } from "../../utils.ts";

export default define.layout(({ Component }) => (
  <section data-layout="posts">
    <Component />
  </section>
));
