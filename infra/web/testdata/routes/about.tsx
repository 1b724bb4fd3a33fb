import { define } from "../utils.ts";

export default define.page(({ state }) => <h1>About, trail={state.trail.join(">")}</h1>);
