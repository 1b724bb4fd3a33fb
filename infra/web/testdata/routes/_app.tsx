import { Assets } from "../../mod.ts";
import { define } from "../utils.ts";

export default define.layout(({ Component, state }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <title>fixture</title>
      <Assets />
    </head>
    <body data-app="shell" data-user={state.user ?? ""}>
      <Component />
    </body>
  </html>
));
