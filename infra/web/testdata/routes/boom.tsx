import { define } from "../utils.ts";

export const handler = define.handlers({
  GET() {
    throw new Error("password=hunter2 in /srv/db.ts");
  },
});

export default function Boom() {
  return <p>never</p>;
}
