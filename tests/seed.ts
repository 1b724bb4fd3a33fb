/**
 * A small, lifelike data set for browser tests and the README's screenshots:
 * four people, four posts, likes, comments and one edit, written through the
 * app's own forms (no browser).
 */
import assert from "node:assert/strict";
import { client } from "./test_server.ts";
import { PASSWORD, postIdOf } from "./browser_utils.ts";
import { POSITION_COOKIE, positionsInCookie } from "../utils/position_cookie.ts";

/**
 * Seeds a few users, posts, likes and comments through the forms (as a
 * browser posts them, without one) so the screenshots look like a real feed;
 * returns the busiest post's id once everything is projected.
 */
export async function seed(base: string): Promise<{ postId: string }> {
  let position = 0;
  const users = new Map<string, ReturnType<typeof client>>();
  async function write(name: string, path: string, fields: Record<string, string>) {
    const res = await users.get(name)!.form(path, fields);
    await res.body?.cancel();
    assert.equal(res.status, 303, `${name}: POST ${path} ${JSON.stringify(fields)}`);
    // The cookie lists the user's writes not yet read back ("38.41").
    const pending = positionsInCookie(users.get(name)!.jar.get(POSITION_COOKIE) ?? "");
    position = Math.max(position, ...pending);
    return res.headers.get("location") ?? "";
  }
  for (const name of ["maria", "jonas", "priya", "tomasz"]) {
    users.set(name, client(base));
    await write(name, "/signup", { username: name, password: PASSWORD });
  }
  const post = async (name: string, message: string) =>
    postIdOf(new URL(await write(name, "/posts/new", { message }), base).href);
  const like = (name: string, id: string) => write(name, `/posts/${id}`, { intent: "like" });
  const comment = (name: string, id: string, text: string) =>
    write(name, `/posts/${id}`, { intent: "comment", comment: text });

  const hike = await post("jonas", "Hiked up to the ridge before sunrise. Worth every step.");
  await like("maria", hike);
  await comment("priya", hike, "Those early starts are the best!");
  const release = await post(
    "maria",
    "We just shipped event-sourced history for every post: open any post and click History " +
      "to see how it got there, version by version.",
  );
  await write("maria", `/posts/${release}/edit`, {
    message: "We just shipped event-sourced history for every post 🎉\n\nOpen any post and " +
      "click History to see how it got there, version by version.",
    version: "",
  });
  for (const fan of ["jonas", "priya", "tomasz"]) await like(fan, release);
  await comment("jonas", release, "Time travel for posts. Love it.");
  await comment("priya", release, "The ?v= links are great for finding who changed what.");
  await comment("tomasz", release, "Does it keep removed comments too?");
  await comment("maria", release, "It does: the history keeps every event, even deletions.");
  const recipe = await post("priya", "Sourdough attempt #3: finally an open crumb 🍞");
  await like("tomasz", recipe);
  await like("maria", recipe);
  await comment("tomasz", recipe, "Recipe please!");
  await post(
    "tomasz",
    "Reading about CQRS on a rainy Sunday: https://martinfowler.com/bliki/CQRS.html " +
      "Commands here, queries there. @maria #cqrs",
  );

  // Wait (by the app's own read-your-writes, 5 s a request, 30 s in all on a
  // busy machine) until all of it is projected.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${base}/`, { headers: { "x-min-position": String(position) } });
    await res.body?.cancel();
    if (Number(res.headers.get("x-projection-position")) >= position) break;
    assert.ok(Date.now() < deadline, `seed projected up to ${position} within 30 s`);
  }
  return { postId: release };
}
