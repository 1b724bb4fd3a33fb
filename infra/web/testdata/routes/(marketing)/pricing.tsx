import { define } from "../../utils.ts";

export default define.page(({ state }) => <p data-page="pricing">trail={state.trail.join(">")}</p>);
