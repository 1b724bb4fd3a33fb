/**
 * Browser tests: headless Chromium (Debian's package, driven by
 * playwright-core) against a whole test server (own database, Kafka topic,
 * worker and web). One server and one browser serve every step (they are
 * slow to start); each step has its own browser contexts and users.
 *
 * Nothing sleeps: every wait is one of playwright's (a navigation, a
 * selector, a function turning true) and is bounded by WAIT_MS.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { seed } from "./seed.ts";
import { testServer } from "./test_server.ts";
import {
  assertStatus,
  countNavigations,
  createPost,
  historyTypes,
  intentButton,
  launchBrowser,
  navigateBy,
  newContext,
  open,
  positionOfRedirect,
  postIdOf,
  signUp,
  uniqueName,
  WAIT_MS,
} from "./browser_utils.ts";

/** The post page's message, read as it is now (no waiting: it must already be there). */
function messageOf(page: Page): Promise<string> {
  return page.locator("[data-message]").innerText().then((text) => text.trim());
}

/** The like count the page shows now. */
function likesOf(page: Page): Promise<string> {
  return page.locator("[data-likes]").first().innerText().then((text) => text.trim());
}

Deno.test({
  name: "Browser",
  // The server's worker and the browser live across the steps, on purpose.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // One browser seeds dozens of posts in seconds: no write limit here (tests/security_test.ts has it).
    await using server = await testServer({ env: { RATE_LIMIT_WRITES_PER_MIN: "0" } });
    await using browser = await launchBrowser();
    const base = server.url;
    const step = (
      name: string,
      fn: () => Promise<void>,
      options: { ignore?: boolean } = {},
    ) =>
      t.step({
        name: `Browser - ${name}`,
        fn,
        ignore: options.ignore ?? false,
        sanitizeOps: false,
        sanitizeResources: false,
        sanitizeExit: false,
      });

    // First, while the feed holds only the seeded posts. The README's pictures
    // (docs/*.png, light and dark, desktop and phone) come from scripts/screenshots.ts.
    await step("screenshots of the feed, a post, its history and the admin page", async () => {
      const { postId } = await seed(base);
      await using context = await newContext(browser, base);
      const page = await context.newPage();
      await signUp(page, "admin");
      await server.grantAdmin("admin"); // as the operator would: deno task admin grant admin
      await page.reload();
      await page.locator('header a[href="/admin"]').waitFor();

      const shots: [string, string][] = [
        ["/", "feed.png"],
        [`/posts/${postId}`, "post.png"],
        [`/posts/${postId}/history`, "history.png"],
        ["/admin", "admin.png"],
      ];
      // Into test-results/ (ignored), for a look after a failed run.
      const docs = new URL("../test-results/screenshots/", import.meta.url);
      await Deno.mkdir(docs, { recursive: true });
      for (const [path, file] of shots) {
        const response = await open(page, path);
        assertStatus(response, 200, path);
        // Styled, i.e. the stylesheet loaded (Tailwind's slate-50 page background).
        const background = await page.evaluate(() =>
          getComputedStyle(document.body).backgroundColor
        );
        assert.notEqual(background, "rgba(0, 0, 0, 0)", `${path} is unstyled`);
        // Nothing wider than the viewport (no horizontal scroll bar).
        const overflow = await page.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        assert.equal(overflow, 0, `${path} overflows horizontally by ${overflow}px`);
        await page.screenshot({ path: new URL(file, docs).pathname });
      }
      const feed = await open(page, "/");
      assertStatus(feed, 200, "the feed");
      assert.ok(await page.locator("article[data-post-id]").count() >= 4, "the seeded posts show");
    });

    await step("sign up, post, see it at once on the post page and in the feed", async () => {
      await using context = await newContext(browser, base);
      const page = await context.newPage();
      const name = uniqueName("poster");
      await signUp(page, name);

      // Markup in a message is text, never HTML.
      const message = `Hello from @${name}: <b>not bold</b> & "quoted"`;
      const navigations = countNavigations(page);
      await page.locator("#compose").fill(message);
      const landed = await navigateBy(
        page,
        page.locator('form[action="/posts/new"] [type="submit"]'),
      );
      assertStatus(landed, 200, "the post page after posting");
      const postId = postIdOf(page.url());

      // Read-your-writes: the one load the redirect made already shows the post
      // (the server waited until its write was projected), no reload needed.
      assert.equal(navigations.count, 1, "one navigation: POST, 303, GET");
      assert.equal(await messageOf(page), message);
      assert.equal(await page.locator("[data-message] b").count(), 0, "the message is escaped");
      const written = await positionOfRedirect(landed);
      assert.ok(written > 0, "the 303 carries the write's position");
      const projected = Number(await landed.headerValue("x-projection-position"));
      assert.ok(projected >= written, `the page reflects ${projected} >= ${written}`);
      assert.equal(await likesOf(page), "0");
      assert.ok(await page.locator(`a[href="/posts/${postId}/edit"]`).isVisible());

      // The feed, first load, has it on top.
      const feed = await navigateBy(page, page.locator('header a[href="/"]'));
      assertStatus(feed, 200, "the feed");
      assert.equal(navigations.count, 2);
      const first = page.locator("article[data-post-id]").first();
      assert.equal(await first.getAttribute("data-post-id"), postId);
      assert.ok((await first.innerText()).includes(message));
      assert.ok((await first.innerText()).includes(`@${name}`));
    });

    await step("comment, edit the comment, remove it; delete the post", async () => {
      await using context = await newContext(browser, base);
      const page = await context.newPage();
      await signUp(page, uniqueName("commenter"));
      const { postId } = await createPost(page, "A post to talk about");

      // Comment.
      const commentForm = page.locator('form:has(input[name="intent"][value="comment"])');
      await commentForm.locator('textarea[name="comment"]').fill("First!");
      assertStatus(
        await navigateBy(page, commentForm.getByRole("button", { name: "Comment" })),
        200,
        "the post page after commenting",
      );
      const comment = page.locator("li[data-comment-id]");
      assert.equal(await comment.count(), 1);
      assert.equal((await comment.locator("[data-comment-text]").innerText()).trim(), "First!");
      assert.match(await page.locator("#comments h2").innerText(), /^1 comment$/);

      // Edit it in place: the comment's "Edit" opens its editor (the inline
      // editor island; without scripts the <details> form, see the no-JS test).
      const edited = "First! (edited to add: nice post)";
      const navigations = countNavigations(page);
      await comment.getByText("Edit", { exact: true }).click();
      const editor = comment.locator('textarea[name="comment"]:visible');
      await editor.waitFor();
      assert.equal(await editor.inputValue(), "First!", "the editor holds the comment");
      await editor.fill(edited);
      await comment.getByRole("button", { name: "Save" }).click();
      await comment.locator("[data-comment-text]", { hasText: edited }).waitFor();
      await comment.locator('textarea[name="comment"]:visible').waitFor({ state: "detached" });
      assert.equal(navigations.count, 0, "edited in place, no page load");
      assert.match(await comment.innerText(), /· edited/, "marked as edited");

      // Remove it, in place too (the island removes it at once and then asks
      // the server: wait for that answer before reading the history).
      const commentId = await comment.getAttribute("data-comment-id");
      assert.ok(commentId);
      const removal = page.waitForResponse((response) =>
        response.request().method() === "DELETE" && response.url().includes(commentId)
      );
      await intentButton(comment, "remove-comment").click();
      await comment.waitFor({ state: "detached" });
      assert.ok((await removal).ok(), "the server removed it");
      await page.locator("#comments h2", { hasText: /^0 comments$/ }).waitFor();
      assert.equal(navigations.count, 0, "removed in place, no page load");

      // Both reached the event store (the history reads it directly).
      const history = await context.newPage();
      assert.deepEqual(await historyTypes(history, postId), [
        "PostCreated",
        "CommentAdded",
        "CommentUpdated",
        "CommentRemoved",
      ]);
      await history.close();

      // A fresh load of the post agrees.
      assertStatus((await page.reload())!, 200, "the post, reloaded");
      await page.locator("#comments h2", { hasText: /^0 comments$/ }).waitFor();
      assert.equal(await page.locator("li[data-comment-id]").count(), 0);

      // Delete the post: back on the feed, which no longer lists it.
      const feed = await navigateBy(page, intentButton(page, "delete"));
      assertStatus(feed, 200, "the feed after deleting");
      assert.equal(new URL(page.url()).pathname, "/");
      assert.equal(await page.locator(`[data-post-id="${postId}"]`).count(), 0);

      // Its page is the app's 404 page.
      const gone = await open(page, `/posts/${postId}`);
      assertStatus(gone, 404, "the deleted post's page");
      assert.ok((await page.locator("main").innerText()).includes("This page does not exist"));
      assert.ok(await page.locator("header a[href='/']").isVisible(), "in the app's layout");
    });

    await step("a non-author sees no edit controls, and a forged POST is refused", async () => {
      await using authorContext = await newContext(browser, base);
      const authorPage = await authorContext.newPage();
      await signUp(authorPage, uniqueName("owner"));
      const message = "Mine, and only mine to change";
      const { postId } = await createPost(authorPage, message);

      await using otherContext = await newContext(browser, base);
      const page = await otherContext.newPage();
      await signUp(page, uniqueName("intruder"));
      assertStatus(await open(page, `/posts/${postId}`), 200, "someone else's post");
      assert.equal(await messageOf(page), message);
      assert.equal(await page.locator(`a[href="/posts/${postId}/edit"]`).count(), 0, "no Edit");
      assert.equal(await intentButton(page, "delete").count(), 0, "no Delete");
      assert.ok(await page.locator("[data-likes]").first().isVisible(), "liking is allowed");

      // The edit page itself is refused.
      assertStatus(await open(page, `/posts/${postId}/edit`), 403, "someone else's edit page");
      await open(page, `/posts/${postId}`);

      // Forged from the page: same-origin fetch (the browser sets Origin and
      // Sec-Fetch-Site itself), so only the authorization can refuse it.
      const fetched = await page.evaluate(async (id) => {
        const response = await fetch(`/posts/${id}`, {
          method: "POST",
          body: new URLSearchParams({ intent: "delete" }),
        });
        return response.status;
      }, postId);
      assert.equal(fetched, 403, "a forged delete from the page");

      // Forged outside the page with the session cookie and same-origin headers.
      const forgedDelete = await otherContext.request.post(`/posts/${postId}`, {
        form: { intent: "delete" },
        headers: { origin: base, "sec-fetch-site": "same-origin" },
        maxRedirects: 0,
      });
      assert.equal(forgedDelete.status(), 403, "a forged delete");
      const forgedEdit = await otherContext.request.post(`/posts/${postId}/edit`, {
        form: { message: "hijacked", version: "1" },
        headers: { origin: base, "sec-fetch-site": "same-origin" },
        maxRedirects: 0,
      });
      assert.equal(forgedEdit.status(), 403, "a forged edit");

      // Cross-site (CSRF): even the author's own session is refused.
      const crossSite = await authorContext.request.post(`/posts/${postId}`, {
        form: { intent: "delete" },
        headers: { origin: "http://elsewhere.invalid", "sec-fetch-site": "cross-site" },
        maxRedirects: 0,
      });
      assert.equal(crossSite.status(), 403, "a cross-site delete");

      // Nothing was appended: the post stands and its history has one event.
      assertStatus(await open(authorPage, `/posts/${postId}`), 200, "the post after the forgeries");
      assert.equal(await messageOf(authorPage), message);
      assert.deepEqual(await historyTypes(authorPage, postId), ["PostCreated"]);
    });

    await step("the whole post flow with JavaScript disabled", async () => {
      await using context = await newContext(browser, base, { javaScriptEnabled: false });
      const page = await context.newPage();
      const name = uniqueName("nojs");
      await signUp(page, name);
      const { postId } = await createPost(page, "Written without JavaScript");
      assert.equal(await messageOf(page), "Written without JavaScript");

      // Like: the count goes to 1, the button offers to unlike.
      assert.equal(await likesOf(page), "0");
      assertStatus(await navigateBy(page, intentButton(page, "like")), 200, "after liking");
      assert.equal(await likesOf(page), "1");
      assert.equal(await intentButton(page, "unlike").count(), 1);

      // Comment.
      const commentForm = page.locator('form:has(input[name="intent"][value="comment"])');
      await commentForm.locator('textarea[name="comment"]').fill("A comment, no scripts");
      assertStatus(
        await navigateBy(page, commentForm.getByRole("button", { name: "Comment" })),
        200,
        "after commenting",
      );
      assert.equal(
        (await page.locator("li[data-comment-id] [data-comment-text]").innerText()).trim(),
        "A comment, no scripts",
      );

      // Edit the comment with the <details> form folded out of it.
      const comment = page.locator("li[data-comment-id]");
      const details = comment.locator("details");
      assert.equal(await details.getAttribute("open"), null, "the editor starts folded");
      await details.locator("summary").click();
      const editor = details.locator('textarea[name="comment"]');
      await editor.waitFor({ state: "visible" });
      assert.equal(await editor.inputValue(), "A comment, no scripts");
      await editor.fill("A comment, edited without scripts");
      assertStatus(
        await navigateBy(page, details.getByRole("button", { name: "Save" })),
        200,
        "after editing the comment",
      );
      assert.equal(
        (await comment.locator("[data-comment-text]").innerText()).trim(),
        "A comment, edited without scripts",
      );
      assert.match(await comment.innerText(), /· edited/, "marked as edited");

      // Edit the message on its own page.
      assertStatus(
        await navigateBy(page, page.locator(`a[href="/posts/${postId}/edit"]`)),
        200,
        "the edit page",
      );
      const textarea = page.locator('textarea[name="message"]');
      assert.equal(await textarea.inputValue(), "Written without JavaScript");
      await textarea.fill("Edited without JavaScript");
      assertStatus(
        await navigateBy(page, page.getByRole("button", { name: "Save" })),
        200,
        "after editing",
      );
      assert.equal(postIdOf(page.url()), postId);
      assert.equal(await messageOf(page), "Edited without JavaScript");
      assert.equal(await likesOf(page), "1", "the like is kept");
      assert.equal(await page.locator("li[data-comment-id]").count(), 1, "the comment is kept");

      // Delete: without scripts the server asks first, on a page of its own.
      assertStatus(await navigateBy(page, intentButton(page, "delete")), 200, "the confirmation");
      assert.equal(await page.locator("h1").innerText(), "Delete this post?");
      assertStatus(
        await navigateBy(page, page.getByRole("button", { name: "Delete post" })),
        200,
        "after deleting",
      );
      assert.equal(new URL(page.url()).pathname, "/");
      assert.equal(await page.locator("[data-notice]").innerText(), "Post deleted.");
      assert.equal(await page.locator(`[data-post-id="${postId}"]`).count(), 0);
      assertStatus(await open(page, `/posts/${postId}`), 404, "the deleted post");
      assertStatus(await open(page, `/u/${name}`), 200, "the user's page");
      assert.ok((await page.locator("main").innerText()).includes("has not posted yet"));
    });

    await step("validation re-renders the form with the message and the input kept", async () => {
      await using context = await newContext(browser, base);
      const page = await context.newPage();
      const name = uniqueName("validator");
      await signUp(page, name);

      // An empty post.
      await open(page, "/posts/new");
      const submit = page.getByRole("button", { name: "Post", exact: true });
      const empty = await navigateBy(page, submit);
      assertStatus(empty, 400, "an empty post");
      assert.equal(new URL(page.url()).pathname, "/posts/new");
      const message = page.locator('textarea[name="message"]');
      // The message sits next to its field, in the field's box.
      const fieldError = page.locator(
        '[data-field]:has(textarea[name="message"]) [data-field-error="message"]',
      );
      assert.match(await fieldError.innerText(), /must not be empty/);
      assert.equal(await message.getAttribute("aria-invalid"), "true");

      // A message one character too long (2001): set as a paste past the
      // textarea's maxlength would be, so the server is the one to refuse it.
      const long = "The quick brown fox jumps over the lazy dog. ".repeat(45).slice(0, 2001);
      assert.equal(long.length, 2001);
      await message.evaluate((element, value) => {
        (element as HTMLTextAreaElement).value = value;
      }, long);
      const tooLong = await navigateBy(page, submit);
      assertStatus(tooLong, 400, "a 2001-character post");
      assert.match(await fieldError.innerText(), /at most 2000 characters/);
      assert.equal(await message.inputValue(), long, "the input is kept, every character");

      // Nothing was posted.
      assertStatus(await open(page, `/u/${name}`), 200, "the user's page");
      assert.equal(await page.locator("article[data-post-id]").count(), 0);

      // An empty comment: the message next to the comment field, same page.
      const { postId } = await createPost(page, "Comment on me");
      const commentForm = page.locator('form:has(input[name="intent"][value="comment"])');
      const rejected = await navigateBy(
        page,
        commentForm.getByRole("button", { name: "Comment" }),
      );
      assertStatus(rejected, 400, "an empty comment");
      assert.equal(postIdOf(page.url()), postId);
      assert.match(
        await commentForm.locator(
          '[data-field]:has(textarea[name="comment"]) [data-field-error="comment"]',
        )
          .innerText(),
        /must not be empty/,
      );
      assert.equal(await page.locator("li[data-comment-id]").count(), 0);
    });

    await step("an edit conflict shows a clear message and overwrites nothing", async () => {
      await using context = await newContext(browser, base);
      const first = await context.newPage();
      await signUp(first, uniqueName("editor"));
      const { postId } = await createPost(first, "The original text");
      const second = await context.newPage();

      // Two tabs open the edit page at the same version.
      for (const page of [first, second]) {
        assertStatus(await open(page, `/posts/${postId}/edit`), 200, "the edit page");
      }
      assert.equal(
        await first.locator('input[name="version"]').inputValue(),
        await second.locator('input[name="version"]').inputValue(),
      );

      // The first saves.
      await first.locator('textarea[name="message"]').fill("The first tab's text");
      assertStatus(
        await navigateBy(first, first.getByRole("button", { name: "Save" })),
        200,
        "the first save",
      );
      assert.equal(await messageOf(first), "The first tab's text");

      // The second saves on top of what it saw: refused, told why, input kept.
      await second.locator('textarea[name="message"]').fill("The second tab's text");
      const conflict = await navigateBy(second, second.getByRole("button", { name: "Save" }));
      assertStatus(conflict, 412, "the stale save");
      const notice = second.locator("[data-conflict]");
      assert.ok(await notice.isVisible(), "a conflict block");
      assert.ok(
        (await notice.innerText()).includes("The first tab's text"),
        "shows the current text",
      );
      assert.match(await second.locator('[role="alert"]').innerText(), /changed/i);
      assert.equal(
        await second.locator('textarea[name="message"]').inputValue(),
        "The second tab's text",
        "the user's text is kept",
      );

      // Nothing was overwritten.
      assertStatus(await open(first, `/posts/${postId}`), 200, "the post");
      assert.equal(await messageOf(first), "The first tab's text");
      assert.deepEqual(await historyTypes(first, postId), ["PostCreated", "MessageUpdated"]);

      // Saving again, knowingly, replaces it.
      assertStatus(
        await navigateBy(second, second.getByRole("button", { name: "Save" })),
        200,
        "the second, informed save",
      );
      assert.equal(await messageOf(second), "The second tab's text");
    });

    await step("the history page lists every event and travels back in time", async () => {
      await using authorContext = await newContext(browser, base);
      const author = await authorContext.newPage();
      await signUp(author, uniqueName("historian"));
      const { postId } = await createPost(author, "The very first words");
      await open(author, `/posts/${postId}/edit`);
      await author.locator('textarea[name="message"]').fill("Second thoughts");
      await navigateBy(author, author.getByRole("button", { name: "Save" }));

      // The fan uses plain forms (scripts off): one page load, one event each.
      await using fanContext = await newContext(browser, base, { javaScriptEnabled: false });
      const fan = await fanContext.newPage();
      await signUp(fan, uniqueName("fan"));
      await open(fan, `/posts/${postId}`);
      await navigateBy(fan, intentButton(fan, "like"));
      const commentForm = fan.locator('form:has(input[name="intent"][value="comment"])');
      await commentForm.locator('textarea[name="comment"]').fill("Love it");
      await navigateBy(fan, commentForm.getByRole("button", { name: "Comment" }));
      const comment = fan.locator("li[data-comment-id]");
      await comment.locator("details summary").click();
      await comment.locator('details textarea[name="comment"]').fill("Love it, really");
      await navigateBy(fan, comment.locator("details").getByRole("button", { name: "Save" }));
      await navigateBy(fan, intentButton(fan, "unlike"));
      await navigateBy(fan, intentButton(fan.locator("li[data-comment-id]"), "remove-comment"));
      // Without scripts, removing asks first on a page of its own.
      await navigateBy(fan, fan.getByRole("button", { name: "Remove comment" }));
      assert.equal(await likesOf(fan), "0");

      await open(author, `/posts/${postId}`);
      await navigateBy(author, intentButton(author, "delete"));

      const expected = [
        "PostCreated",
        "MessageUpdated",
        "PostLiked",
        "CommentAdded",
        "CommentUpdated",
        "PostUnliked",
        "CommentRemoved",
        "PostRemoved",
      ];
      assert.deepEqual(await historyTypes(author, postId), expected);
      const timeline = author.locator("[data-timeline] > li");
      for (const [i, type] of expected.entries()) {
        const text = await timeline.nth(i).innerText();
        assert.ok(text.includes(`v${i + 1}`), `${type} is version ${i + 1}`);
        assert.ok(text.includes(type), `${type} is named`);
      }
      const travel = author.locator("[data-time-travel]");
      assert.match(await travel.innerText(), /version 8 of 8/);
      assert.match(await travel.innerText(), /deleted/);

      // Time travel: version 1 is the original message, no likes, no comments.
      assertStatus(await open(author, `/posts/${postId}/history?v=1`), 200, "?v=1");
      assert.match(await travel.innerText(), /version 1 of 8/);
      assert.equal(
        (await travel.locator("[data-state-message]").innerText()).trim(),
        "The very first words",
      );
      assert.equal(await travel.locator("[data-state-likes]").innerText(), "0");
      assert.equal(await travel.locator("[data-state-comments]").innerText(), "0");

      // Version 5: edited, liked, the edited comment.
      await navigateBy(author, timeline.nth(4).getByRole("link", { name: "v5" }));
      assert.match(await travel.innerText(), /version 5 of 8/);
      assert.equal(
        (await travel.locator("[data-state-message]").innerText()).trim(),
        "Second thoughts",
      );
      assert.equal(await travel.locator("[data-state-likes]").innerText(), "1");
      assert.equal(await travel.locator("[data-state-comments]").innerText(), "1");
      assert.ok((await travel.innerText()).includes("Love it, really"));
    });

    await step("a like in another browser shows live, without a reload", async () => {
      await using watcherContext = await newContext(browser, base);
      const watcher = await watcherContext.newPage();
      await signUp(watcher, uniqueName("watcher"));
      const { postId } = await createPost(watcher, "Watch the likes come in");

      // The post page and the feed, each waiting until its live stream is open.
      const feed = await watcherContext.newPage();
      for (const [page, path] of [[watcher, `/posts/${postId}`], [feed, "/"]] as const) {
        const stream = page.waitForResponse((response) =>
          (response.headers()["content-type"] ?? "").startsWith("text/event-stream")
        );
        assertStatus(await open(page, path), 200, path);
        await stream;
      }
      assert.equal(await likesOf(watcher), "0");
      const card = feed.locator(`article[data-post-id="${postId}"]`);
      assert.equal(await card.locator("[data-likes]").getAttribute("data-likes"), "0");
      const navigations = countNavigations(watcher);
      const feedNavigations = countNavigations(feed);

      // Someone else likes it with the like button island: counted at once.
      await using likerContext = await newContext(browser, base);
      const liker = await likerContext.newPage();
      await signUp(liker, uniqueName("liker"));
      await open(liker, `/posts/${postId}`);
      const likerNavigations = countNavigations(liker);
      await liker.locator("[data-like-button]").click();
      await liker.locator('[data-like-button][aria-pressed="true"]').waitFor();
      assert.equal(await likesOf(liker), "1", "optimistic");
      assert.equal(likerNavigations.count, 0, "liked in place");

      // The first browser's page and feed change by themselves.
      const likesAre = (n: string) =>
        watcher.waitForFunction(
          (n) => document.querySelector("[data-likes]")?.textContent?.trim() === n,
          n,
          { timeout: WAIT_MS },
        );
      await likesAre("1");
      await card.locator('[data-likes="1"]').waitFor();

      // Taken back: down again, live.
      await liker.locator("[data-like-button]").click();
      await liker.locator('[data-like-button][aria-pressed="false"]').waitFor();
      await likesAre("0");
      await card.locator('[data-likes="0"]').waitFor();

      // A comment from them shows up live too.
      const commentForm = liker.locator('form:has(input[name="intent"][value="comment"])');
      await commentForm.locator('textarea[name="comment"]').fill("Live from the other browser");
      await navigateBy(liker, commentForm.getByRole("button", { name: "Comment" }));
      await watcher.locator("li[data-comment-id] [data-comment-text]", {
        hasText: "Live from the other browser",
      }).waitFor();

      // A new post from them is announced on the feed, not pushed under the reader's eyes.
      await createPost(liker, "A brand new post");
      await feed.locator("[data-new-posts]").waitFor();
      assert.equal(
        await feed.locator("article[data-post-id]").first().getAttribute("data-post-id"),
        postId,
      );

      assert.equal(navigations.count, 0, "the post page never reloaded");
      assert.equal(feedNavigations.count, 0, "the feed never reloaded");
      assert.equal(postIdOf(watcher.url()), postId);
    });

    await step("the feed loads older posts as the reader scrolls (keyset pages)", async () => {
      await using context = await newContext(browser, base);
      const page = await context.newPage();
      const author = uniqueName("scroller");
      await signUp(page, author);
      // 25 posts through the new-post form (the API would rate-limit a burst of 25):
      // more than one page of 20, filtered to this author.
      const made: string[] = [];
      for (let i = 0; i < 25; i++) {
        const res = await context.request.post(`${base}/posts/new`, {
          form: { message: `scroll post ${i}` },
          headers: { origin: base },
          maxRedirects: 0,
        });
        assert.equal(res.status(), 303);
        made.push(postIdOf(new URL(res.headers()["location"], base).href));
      }
      const navigations = countNavigations(page);
      assertStatus(await open(page, `/?author=${author}`), 200, "the filtered feed");
      const cards = page.locator("article[data-post-id]");
      assert.equal(await cards.count(), 20, "the first page holds 20");
      // Once the feed's island runs (before that, the "Older posts" link does the job).
      await page.locator('[data-feed-end="live"]').waitFor({ state: "attached" });
      await page.locator("[data-feed-end]").scrollIntoViewIfNeeded();
      await page.waitForFunction(() =>
        document.querySelectorAll("article[data-post-id]").length === 25
      );
      const ids = await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-post-id")));
      assert.deepEqual(ids, [...made].reverse(), "newest first, none twice, none missing");
      assert.equal(await page.locator("a[rel=next]").count(), 0, "no further page");
      assert.equal(navigations.count, 1, "loaded in place, no page load after the first");
    });
  },
});
