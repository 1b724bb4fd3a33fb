/**
 * Browser tests of the pages people see (issue 13): titles and headings,
 * confirmations, links in text, the character counter, live edits and
 * deletions, the dark theme, the phone layout and an accessibility scan
 * (axe-core, injected into each page). Debian's Chromium driven by
 * playwright-core against a whole test server, as in browser_test.ts.
 *
 * Nothing sleeps: every wait is one of playwright's, bounded by WAIT_MS or
 * by the 2 s a live change may take.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { testServer } from "./test_server.ts";
import {
  assertStatus,
  createPost,
  intentButton,
  launchBrowser,
  navigateBy,
  newContext,
  open,
  signUp,
  uniqueName,
} from "./browser_utils.ts";

/** The axe-core script, injected into pages under test. */
const AXE = await Deno.readTextFile(
  new URL("../node_modules/axe-core/axe.min.js", import.meta.url),
);

/** A phone's viewport (CSS pixels). */
const PHONE = { width: 390, height: 844 };

/** What axe reports as serious or critical on the page now: "rule: target, ..." lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return (result.violations as {
      id: string;
      impact: string;
      nodes: { target: string[] }[];
    }[]).map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target[0]) }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.targets.slice(0, 3).join(", ")}`);
}

Deno.test({
  name: "Pages",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using server = await testServer();
    await using browser = await launchBrowser();
    const base = server.url;
    const step = (name: string, fn: () => Promise<void>) =>
      t.step({
        name: `Pages - ${name}`,
        fn,
        sanitizeOps: false,
        sanitizeResources: false,
        sanitizeExit: false,
      });

    // One author (an administrator) and one post, shared by the read-only steps.
    await using adminContext = await newContext(browser, base);
    const admin = await adminContext.newPage();
    await signUp(admin, "admin");
    await server.grantAdmin("admin"); // as the operator would: deno task admin grant admin
    // The pipeline's first batch can take a while (the consumer joins its group):
    // wait, bounded, until the sign-up is projected before relying on read-your-writes.
    const warm = Date.now() + 30_000;
    while ((await open(admin, "/u/admin")).status() !== 200) {
      assert.ok(Date.now() < warm, "the first sign-up is projected within 30 s");
    }
    const message = "Read https://example.org/docs, ask @admin, tag #agora. javascript:alert(1)";
    const { postId } = await createPost(admin, message);

    await step("each main page has its own title and one <h1>", async () => {
      const pages = ["/", `/posts/${postId}`, "/u/admin", `/posts/${postId}/history`, "/admin"];
      const titles = new Set<string>();
      for (const path of pages) {
        assertStatus(await open(admin, path), 200, path);
        const title = await admin.title();
        assert.match(title, / · Agora$/, `${path} is titled "${title}"`);
        titles.add(title);
        assert.equal(await admin.locator("h1").count(), 1, `one <h1> on ${path}`);
        assert.ok(
          (await admin.locator("h1").textContent())?.trim(),
          `${path}'s <h1> says something`,
        );
        assert.equal(await admin.locator("main#main").count(), 1, `${path} has its main landmark`);
        assert.equal(await admin.locator('a[href="#main"]').count(), 1, `${path} has a skip link`);
      }
      assert.equal(titles.size, pages.length, `distinct titles: ${[...titles].join(" | ")}`);
      assert.match(await (await open(admin, `/posts/${postId}`), admin.title()), /^@admin: “Read/);
      assert.equal(await (await open(admin, "/u/admin"), admin.title()), "@admin · Agora");
    });

    await step("an unknown user's page is a 404", async () => {
      assertStatus(await open(admin, "/u/nosuchuser"), 404, "/u/nosuchuser");
      assert.equal(await admin.title(), "Not found · Agora");
    });

    await step("a URL in a post is a safe link; javascript: never is one", async () => {
      for (const path of [`/posts/${postId}`, "/"]) {
        await open(admin, path);
        const scope = path === "/"
          ? admin.locator(`[data-post-id="${postId}"] [data-card-message]`)
          : admin.locator("[data-message]");
        const link = scope.locator('a[href="https://example.org/docs"]');
        assert.equal(await link.count(), 1, `the URL is a link on ${path}`);
        assert.equal(await link.innerText(), "https://example.org/docs");
        const rel = (await link.getAttribute("rel")) ?? "";
        for (const word of ["noopener", "noreferrer", "nofollow", "ugc"]) {
          assert.ok(rel.split(" ").includes(word), `rel has ${word}: "${rel}"`);
        }
        assert.equal(await scope.locator('a[href="/u/admin"]').count(), 1, "@admin links");
        assert.equal(await scope.locator('a[href="/?tag=agora"]').count(), 1, "#agora links");
        assert.equal(await admin.locator('a[href^="javascript:" i]').count(), 0, "no javascript:");
        assert.match(await scope.innerText(), /javascript:alert\(1\)/, "it stays as text");
      }
      // The tag's link filters the feed to it; "@admin" filters by author.
      await open(admin, "/?tag=agora");
      assert.equal(await admin.locator(`[data-post-id="${postId}"]`).count(), 1);
      await open(admin, "/?author=%40admin");
      assert.equal(await admin.locator(`[data-post-id="${postId}"]`).count(), 1);
      await open(admin, "/?author=%40nobody_here");
      assert.match(await admin.locator("[data-empty]").innerText(), /No posts match these filters/);
      assert.equal(await admin.locator('[data-empty] a[href="/"]').count(), 1, "a clear link");
    });

    await step("the character counter says how many are left; Ctrl+Enter posts", async () => {
      await open(admin, "/");
      const box = admin.locator("#compose");
      const count = admin.locator("#compose-count");
      await admin.locator("[data-char-count]").first().waitFor(); // hydrated
      assert.equal((await count.innerText()).split(".")[0].trim(), "2,000 characters left");
      await box.fill("Hello");
      await admin.locator('#compose-count[data-char-count="1995"]').waitFor();
      assert.match(await count.innerText(), /^1,995 characters left/);
      await box.fill("x".repeat(1999));
      await admin.locator('#compose-count[data-char-count="1"]').waitFor();
      assert.match(await count.innerText(), /^1 character left/);
      await box.fill("Sent with Ctrl+Enter");
      const [response] = await Promise.all([
        admin.waitForNavigation(),
        box.press("Control+Enter"),
      ]);
      assertStatus(response!, 200, "the post page after Ctrl+Enter");
      assert.equal(
        (await admin.locator("[data-message]").innerText()).trim(),
        "Sent with Ctrl+Enter",
      );
      // On the comment form too.
      await admin.locator("#field-comment").fill("ok");
      await admin.locator('#field-comment-count[data-char-count="998"]').waitFor();
    });

    await step("deleting asks first, with JavaScript (a dialog) and without (a page)", async () => {
      // With JavaScript: dismissing the dialog keeps the post; accepting deletes it.
      await using context = await browser.newContext({ baseURL: base });
      const page = await context.newPage();
      await signUp(page, uniqueName("deleter"));
      const { postId: id } = await createPost(page, "Delete me, eventually");
      const questions: string[] = [];
      page.once("dialog", (dialog) => {
        questions.push(dialog.message());
        dialog.dismiss();
      });
      await intentButton(page, "delete").click();
      await page.waitForFunction(() => true); // the dialog was handled synchronously
      assert.match(questions[0] ?? "", /^Delete this post\?/);
      assert.equal(new URL(page.url()).pathname, `/posts/${id}`, "still on the post");
      assertStatus(await open(page, `/posts/${id}`), 200, "the post is still there");
      page.once("dialog", (dialog) => dialog.accept());
      assertStatus(await navigateBy(page, intentButton(page, "delete")), 200, "after deleting");
      assert.equal(new URL(page.url()).pathname, "/");
      assert.equal(await page.locator("[data-notice]").innerText(), "Post deleted.");
      assertStatus(await open(page, `/posts/${id}`), 404, "the deleted post");

      // Without JavaScript: a confirmation page; Cancel keeps the post.
      await using noJs = await newContext(browser, base, { javaScriptEnabled: false });
      const plain = await noJs.newPage();
      await signUp(plain, uniqueName("nojsdel"));
      const { postId: kept } = await createPost(plain, "Keep me");
      assertStatus(await navigateBy(plain, intentButton(plain, "delete")), 200, "confirmation");
      assert.equal(await plain.locator("h1").innerText(), "Delete this post?");
      assert.equal(await plain.title(), "Delete this post? · Agora");
      await navigateBy(plain, plain.getByRole("link", { name: "Cancel" }));
      assertStatus(await open(plain, `/posts/${kept}`), 200, "kept after Cancel");
      assertStatus(await navigateBy(plain, intentButton(plain, "delete")), 200, "confirmation");
      await navigateBy(plain, plain.getByRole("button", { name: "Delete post" }));
      assert.equal(new URL(plain.url()).pathname, "/");
      assert.equal(await plain.locator("[data-notice]").innerText(), "Post deleted.");
      assertStatus(await open(plain, `/posts/${kept}`), 404, "deleted after confirming");

      // Removing a comment without JavaScript asks first too.
      const { postId: withComment } = await createPost(plain, "Comment and remove");
      await plain.locator("#field-comment").fill("soon gone");
      await navigateBy(plain, plain.getByRole("button", { name: "Comment" }));
      await navigateBy(plain, intentButton(plain, "remove-comment"));
      assert.equal(await plain.locator("h1").innerText(), "Remove this comment?");
      await navigateBy(plain, plain.getByRole("button", { name: "Remove comment" }));
      assert.equal(new URL(plain.url()).pathname, `/posts/${withComment}`);
      assert.equal(await plain.locator("[data-notice]").innerText(), "Comment removed.");
      assert.equal(await plain.locator("li[data-comment-id]").count(), 0);
    });

    await step(
      "an edit and a delete by the author reach another reader's open page within 2 s",
      async () => {
        await using authorContext = await newContext(browser, base);
        const author = await authorContext.newPage();
        await signUp(author, uniqueName("liveauthor"));
        const { postId: id } = await createPost(author, "Before the edit");

        await using readerContext = await newContext(browser, base);
        const reader = await readerContext.newPage();
        await signUp(reader, uniqueName("reader"));
        // The page's stream is open (its answer's headers arrived) before the author acts.
        const streamOpen = reader.waitForResponse((r) => r.url().includes(`/live?post=${id}`));
        assertStatus(await open(reader, `/posts/${id}`), 200, "the reader's page");
        const message = reader.locator("[data-message]");
        assert.equal((await message.innerText()).trim(), "Before the edit");
        await streamOpen;

        await open(author, `/posts/${id}/edit`);
        await author.locator('textarea[name="message"]').fill(
          "After the edit, see https://example.org",
        );
        await navigateBy(author, author.getByRole("button", { name: "Save" }));
        await message.filter({ hasText: "After the edit" }).waitFor({ timeout: 2_000 });
        assert.equal(await message.locator('a[href="https://example.org/"]').count(), 1);
        await reader.locator("[data-edited]").waitFor({ timeout: 2_000 });

        await open(author, `/posts/${id}`);
        await navigateBy(author, intentButton(author, "delete"));
        await reader.locator("[data-post-removed]").waitFor({ timeout: 2_000 });
        assert.equal(
          await reader.locator("[data-post-removed]").innerText(),
          "This post was deleted.",
        );
        await reader.locator("[data-like-button]:disabled").waitFor({ timeout: 2_000 });
        assert.equal(await reader.locator("#field-comment").count(), 0, "no comment box");
      },
    );

    await step("the dark theme follows prefers-color-scheme", async () => {
      const background = async (scheme: "light" | "dark") => {
        await admin.emulateMedia({ colorScheme: scheme });
        await open(admin, "/");
        return await admin.evaluate(() => {
          const probe = document.createElement("div");
          probe.style.color = getComputedStyle(document.body).backgroundColor;
          document.body.append(probe);
          // The luminance, from the colour the browser computed (any format, via a canvas).
          const canvas = document.createElement("canvas").getContext("2d")!;
          canvas.fillStyle = getComputedStyle(probe).color;
          canvas.fillRect(0, 0, 1, 1);
          const [r, g, b] = canvas.getImageData(0, 0, 1, 1).data;
          probe.remove();
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        });
      };
      const light = await background("light");
      const dark = await background("dark");
      assert.ok(light > 200, `the light page background is light (${light})`);
      assert.ok(dark < 60, `the dark page background is dark (${dark})`);
      assert.deepEqual(await seriousViolations(admin), [], "no serious issue in the dark theme");
      await admin.emulateMedia({ colorScheme: "light" });
    });

    await step(
      "on a 390 px phone: no horizontal scroll, a one-line header, 44 px tap targets",
      async () => {
        await using phone = await browser.newContext({
          baseURL: base,
          viewport: PHONE,
          isMobile: true,
          hasTouch: true,
        });
        const page = await phone.newPage();
        await signUp(page, uniqueName("phone_user_long_name"));
        await open(page, "/signin"); // redirects home: signed in
        const checkPage = async (path: string) => {
          assertStatus(await open(page, path), 200, path);
          const overflow = await page.evaluate(() =>
            document.documentElement.scrollWidth - document.documentElement.clientWidth
          );
          assert.equal(overflow, 0, `${path} scrolls sideways by ${overflow}px`);
          const nav = page.locator("[data-site-nav]");
          const tops = await nav.locator(":scope > a, :scope > form > button").evaluateAll((
            items,
          ) => items.map((item) => Math.round(item.getBoundingClientRect().top)));
          assert.equal(new Set(tops).size, 1, `${path}: the header is one line (${tops})`);
          const small = await nav.locator(":scope > a, :scope > form > button").evaluateAll((
            items,
          ) =>
            items.map((item) => item.getBoundingClientRect())
              .filter((r) => r.width < 44 || r.height < 44)
              .map((r) => `${r.width}x${r.height}`)
          );
          assert.deepEqual(small, [], `${path}: header tap targets under 44×44`);
        };
        await checkPage("/");
        await checkPage(`/posts/${postId}`);
        await checkPage(`/posts/${postId}/history`);
      },
    );

    await step("axe finds no serious or critical issue on the main pages", async () => {
      await using anonymous = await newContext(browser, base);
      const visitor = await anonymous.newPage();
      const report: string[] = [];
      for (
        const [page, path] of [
          [visitor, "/"],
          [visitor, "/signin"],
          [visitor, "/signup"],
          [visitor, `/posts/${postId}`],
          [admin, "/"],
          [admin, `/posts/${postId}`],
          [admin, "/posts/new"],
          [admin, "/u/admin"],
          [admin, `/posts/${postId}/history`],
          [admin, "/admin"],
        ] as [Page, string][]
      ) {
        await open(page, path);
        for (const line of await seriousViolations(page)) report.push(`${path}: ${line}`);
      }
      assert.deepEqual(report, []);
    });
  },
});
