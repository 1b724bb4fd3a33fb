import { define } from "../utils.ts";

export default define.layout(({ Component }) => (
  <div data-layout="root">
    <Component />
  </div>
));
