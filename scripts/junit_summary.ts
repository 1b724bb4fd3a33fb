/**
 * Prints "N passed, N failed, N skipped" from a JUnit XML report (deno test
 * --junit-path) and exits non-zero unless something passed, nothing failed
 * and nothing was skipped that may not be.
 *
 * Counts real tests only: a test with steps is a container (its own body is
 * set-up and tear-down), so its steps count, and it counts only if it failed
 * while none of its steps did.
 *
 * @module
 */

/** Tests that may be skipped on a machine without what they need (matched on the name). */
export const MAY_SKIP: readonly RegExp[] = [/^Compose - docker compose up\b/];

/** The tally of one report. */
export type Summary = {
  passed: number;
  failed: number;
  skipped: number;
  /** Names of skipped tests that are not on the allow-list. */
  unexpectedSkips: string[];
};

/** Reads a deno test JUnit report. */
export function summarize(xml: string, maySkip: readonly RegExp[] = MAY_SKIP): Summary {
  const cases = [...xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)].map(
    (m) => ({
      name: unescape(m[1].match(/\bname="([^"]*)"/)?.[1] ?? ""),
      suite: m[1].match(/\bclassname="([^"]*)"/)?.[1] ?? "",
      body: m[3] ?? "",
    }),
  );
  const summary: Summary = { passed: 0, failed: 0, skipped: 0, unexpectedSkips: [] };
  const hasFailure = (body: string) => /<(failure|error)\b/.test(body);
  for (const c of cases) {
    const steps = cases.filter((o) => o.suite === c.suite && o.name.startsWith(`${c.name} > `));
    // A container fails with its failing steps ("N test steps failed"): count those, not it.
    const failed = hasFailure(c.body) && !steps.some((step) => hasFailure(step.body));
    if (failed) summary.failed++;
    else if (steps.length > 0) continue;
    else if (/<skipped\b/.test(c.body)) {
      summary.skipped++;
      if (!maySkip.some((pattern) => pattern.test(c.name))) summary.unexpectedSkips.push(c.name);
    } else summary.passed++;
  }
  return summary;
}

function unescape(text: string): string {
  return text.replaceAll("&gt;", ">").replaceAll("&lt;", "<").replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'").replaceAll("&amp;", "&");
}

if (import.meta.main) {
  const { passed, failed, skipped, unexpectedSkips } = summarize(
    await Deno.readTextFile(Deno.args[0]),
  );
  for (const name of unexpectedSkips) console.error(`skipped, and not allowed to: ${name}`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (passed === 0 || failed > 0 || unexpectedSkips.length > 0) Deno.exit(1);
}
