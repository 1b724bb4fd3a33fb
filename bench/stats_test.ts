import assert from "node:assert/strict";
import { median, percentile } from "./stats.ts";

Deno.test("Stats - median of an odd count is the middle sample", () => {
  assert.equal(median([9, 1, 5]), 5);
});

Deno.test("Stats - median of an even count is the mean of the middle two", () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("Stats - p95 is the nearest rank", () => {
  const samples = Array.from({ length: 200 }, (_, i) => 200 - i); // 1..200, shuffled order
  assert.equal(percentile(samples, 95), 190);
  assert.equal(percentile([7], 95), 7);
});

Deno.test("Stats - no samples is an error, not NaN", () => {
  assert.throws(() => median([]), /no samples/);
});
