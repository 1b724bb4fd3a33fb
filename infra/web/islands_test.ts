import { Signal, signal } from "@preact/signals";
import assert from "node:assert/strict";
import { parseIslandProps, stringifyIslandProps } from "./island_props.ts";
import { HOSTILE } from "./testdata/routes/islands.tsx";
import { assertIncludes, fetchText, fixtureApp, request } from "./test_utils.ts";

/** The islands' markers in a page, with their props read back as the browser would. */
function markers(html: string): { name: string; props: Record<string, unknown>; inner: string }[] {
  const found = html.matchAll(
    /<agora-island data-name="([^"]+)" data-props="([^"]*)" style="display:contents">(.*?)<\/agora-island>/g,
  );
  return [...found].map(([, name, attr, inner]) => ({
    name,
    props: parseIslandProps(unescapeAttr(attr)),
    inner,
  }));
}

function unescapeAttr(value: string): string {
  return value.replace(
    /&(quot|lt|gt|#39|amp);/g,
    (_, entity: string) => ({ quot: '"', lt: "<", gt: ">", "#39": "'", amp: "&" })[entity] ?? "",
  );
}

Deno.test("Islands - each island is wrapped in a marker carrying its name and props", async () => {
  const { body } = await fetchText(fixtureApp(), request("/islands"));
  const [counter, greeting] = markers(body);
  assert.equal(counter.name, "Counter");
  assertIncludes(counter.inner, `<button type="button" class="text-red-700">`);
  assertIncludes(counter.inner, "since 2024");
  assert.equal(greeting.name, "Greeting");
  assert.deepEqual(greeting.props, { name: "Ada" });
  assertIncludes(greeting.inner, "Hello Ada");
});

Deno.test("Islands - a signal prop arrives as a signal, a Date as a Date", async () => {
  const { body } = await fetchText(fixtureApp(), request("/islands"));
  const { props } = markers(body)[0];
  assert.ok(props.start instanceof Signal, "start is a signal");
  assert.equal((props.start as Signal<number>).value, 0);
  assert.ok(props.since instanceof Date);
  assert.equal((props.since as Date).toISOString(), "2024-01-02T03:04:05.000Z");
});

Deno.test("Islands - a hostile string prop cannot end the attribute or open a script", async () => {
  const { body } = await fetchText(fixtureApp(), request("/islands"));
  assert.ok(!body.includes("<script>alert(1)"), "no injected script element");
  assert.ok(!body.includes("</script><script>"), "no closed and reopened script");
  assert.equal(body.match(/<script/g)?.length, 1, "only the islands module script");
  assert.equal(markers(body)[0].props.label, HOSTILE, "the prop survives intact");
});

Deno.test("Islands - pages without islands have no markers; other components are untouched", async () => {
  const { body } = await fetchText(fixtureApp(), request("/posts/1"));
  assert.ok(!body.includes("agora-island"));
});

Deno.test("Island props - round trip data types and falsy signal values", () => {
  const props = {
    zero: signal(0),
    empty: signal(""),
    off: signal(false),
    when: new Date(0),
    tags: new Set(["a"]),
    counts: new Map([["a", 1n]]),
    nested: { list: [1, undefined, null] },
  };
  const back = parseIslandProps(stringifyIslandProps(props, "Test"));
  assert.deepEqual(
    [back.zero, back.empty, back.off].map((s) => s instanceof Signal && s.value),
    [0, "", false],
  );
  assert.deepEqual(
    { when: back.when, tags: back.tags, counts: back.counts, nested: back.nested },
    { when: props.when, tags: props.tags, counts: props.counts, nested: props.nested },
  );
});

Deno.test("Island props - a function or class instance is refused, naming island and prop", () => {
  assert.throws(
    () => stringifyIslandProps({ onClick: () => {} }, "LikeButton"),
    /island LikeButton: Cannot stringify a function at props\.onClick/,
  );
  assert.throws(
    () => stringifyIslandProps({ user: { at: new (class Session {})() } }, "Menu"),
    /island Menu: .*at props\.user\.at/,
  );
});

Deno.test("Island props - the text is safe inside HTML: no raw '<'", () => {
  const text = stringifyIslandProps({ label: "</script><!-- <b>" }, "X");
  assert.ok(!text.includes("<"), text);
});
