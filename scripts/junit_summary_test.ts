import assert from "node:assert/strict";
import { summarize } from "./junit_summary.ts";

/** A report as deno test writes it: a plain test, an ignored one, one with steps. */
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test" tests="6" failures="0" errors="0" time="0.021">
  <testsuite name="./x_test.ts" tests="6" disabled="2" errors="0" failures="0">
    <testcase name="a" classname="./x_test.ts" time="0.000" line="1" col="6">
    </testcase>
    <testcase name="Compose - docker compose up --build" classname="./x_test.ts" time="0.000" line="2" col="6">
      <skipped/>
    </testcase>
    <testcase name="Browser" classname="./x_test.ts" time="0.001" line="3" col="6">
    </testcase>
    <testcase name="Browser &gt; s1" classname="./x_test.ts" time="0.000" line="3" col="39">
    </testcase>
    <testcase name="Browser &gt; s2" classname="./x_test.ts" time="0.000" line="3" col="69">
    </testcase>
  </testsuite>
</testsuites>`;

Deno.test("JUnit summary - counts tests and steps, not the container of steps; an allowed skip is reported", () => {
  assert.deepEqual(summarize(REPORT), { passed: 3, failed: 0, skipped: 1, unexpectedSkips: [] });
});

Deno.test("JUnit summary - a skip not on the allow-list is named", () => {
  const report = REPORT.replace(
    `"Browser &gt; s2" classname="./x_test.ts" time="0.000" line="3" col="69">`,
    `"Browser &gt; s2" classname="./x_test.ts" time="0.000" line="3" col="69"><skipped/>`,
  );
  assert.deepEqual(summarize(report).unexpectedSkips, ["Browser > s2"]);
});

Deno.test("JUnit summary - a container that failed after its steps passed counts as failed", () => {
  const report = REPORT.replace(
    `<testcase name="Browser" classname="./x_test.ts" time="0.001" line="3" col="6">`,
    `<testcase name="Browser" classname="./x_test.ts" time="0.001" line="3" col="6"><failure message="leak"/>`,
  );
  assert.deepEqual(summarize(report), { passed: 3, failed: 1, skipped: 1, unexpectedSkips: [] });
});

Deno.test("JUnit summary - a failing step is one failure, not two with its container", () => {
  const report = REPORT.replace(
    `<testcase name="Browser" classname="./x_test.ts" time="0.001" line="3" col="6">`,
    `<testcase name="Browser" classname="./x_test.ts" time="0.001" line="3" col="6"><failure message="1 test step failed"/>`,
  ).replace(
    `"Browser &gt; s2" classname="./x_test.ts" time="0.000" line="3" col="69">`,
    `"Browser &gt; s2" classname="./x_test.ts" time="0.000" line="3" col="69"><failure message="boom"/>`,
  );
  assert.deepEqual(summarize(report), { passed: 2, failed: 1, skipped: 1, unexpectedSkips: [] });
});

Deno.test("JUnit summary - only the docker compose run may skip; other Compose tests may not", () => {
  const report = REPORT.replace(
    `<testcase name="a" classname="./x_test.ts" time="0.000" line="1" col="6">`,
    `<testcase name="Compose - .dockerignore keeps secrets" classname="./x_test.ts" time="0.000" line="1" col="6"><skipped/>`,
  );
  assert.deepEqual(summarize(report).unexpectedSkips, ["Compose - .dockerignore keeps secrets"]);
});
