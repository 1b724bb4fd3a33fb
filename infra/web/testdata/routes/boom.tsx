import type { Handlers } from "$fresh/server.ts";

export const handler: Handlers = {
  GET() {
    throw new Error("password=hunter2 in /srv/db.ts");
  },
};

export default function Boom() {
  return <p>never</p>;
}
