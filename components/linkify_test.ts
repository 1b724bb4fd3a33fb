import assert from "node:assert/strict";
import { linkify, safeHttpUrl } from "./linkify.ts";

Deno.test("linkify - plain text stays one text part", () => {
  assert.deepEqual(linkify("just words <b>"), [{ kind: "text", text: "just words <b>" }]);
  assert.deepEqual(linkify(""), []);
});

Deno.test("linkify - http(s) addresses become links, trailing punctuation stays text", () => {
  assert.deepEqual(linkify("see https://deno.land/manual, (or http://x.org/a)."), [
    { kind: "text", text: "see " },
    { kind: "url", text: "https://deno.land/manual", href: "https://deno.land/manual" },
    { kind: "text", text: ", (or " },
    { kind: "url", text: "http://x.org/a", href: "http://x.org/a" },
    { kind: "text", text: ")." },
  ]);
});

Deno.test("linkify - javascript: and other schemes are never links", () => {
  for (
    const text of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "ftp://x"]
  ) {
    assert.ok(linkify(text).every((p) => p.kind === "text"), text);
  }
  assert.equal(safeHttpUrl("javascript:alert(1)"), null);
  assert.equal(safeHttpUrl("https://ok.example/"), "https://ok.example/");
});

Deno.test("linkify - @mentions link to the user page, #tags to the feed filter", () => {
  assert.deepEqual(linkify("hi @Bob_1, #deno!"), [
    { kind: "text", text: "hi " },
    { kind: "mention", text: "@Bob_1", href: "/u/bob_1" },
    { kind: "text", text: ", " },
    { kind: "tag", text: "#deno", href: "/?tag=deno" },
    { kind: "text", text: "!" },
  ]);
});

Deno.test("linkify - e-mail addresses, short names and mid-word # are not mentions or tags", () => {
  for (const text of ["me@example.com", "@ab", "a#b", "&#39;", "https://x.org/#frag"]) {
    assert.ok(linkify(text).every((p) => p.kind !== "mention" && p.kind !== "tag"), text);
  }
});

Deno.test("linkify - the parts joined are the text again", () => {
  const text = "a https://x.org/?q=1&r=2 @someone #t ) end";
  assert.equal(linkify(text).map((p) => p.text).join(""), text);
});
