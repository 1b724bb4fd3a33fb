import assert from "node:assert/strict";
import { wakeSignal } from "./wake_signal.ts";

Deno.test("Wake signal - a sleep runs its time out when nothing wakes it", async () => {
  const signal = wakeSignal(() => false);
  const started = performance.now();
  assert.equal(await signal.sleep(30), false);
  assert.ok(performance.now() - started >= 25);
});

Deno.test("Wake signal - a wake-up ends the current sleep at once", async () => {
  const signal = wakeSignal(() => false);
  const started = performance.now();
  const sleeping = signal.sleep(10_000);
  signal.wake();
  assert.equal(await sleeping, true);
  assert.ok(performance.now() - started < 1_000);
});

Deno.test("Wake signal - a wake-up while busy is kept for the next sleep, once", async () => {
  const signal = wakeSignal(() => false);
  signal.wake();
  signal.wake();
  assert.equal(await signal.sleep(10_000), true, "the kept wake-up");
  assert.equal(await signal.sleep(20), false, "two wake-ups while busy count as one");
});

Deno.test("Wake signal - while stopped, a sleep returns at once", async () => {
  let stopped = false;
  const signal = wakeSignal(() => stopped);
  stopped = true;
  const started = performance.now();
  assert.equal(await signal.sleep(10_000), true);
  assert.ok(performance.now() - started < 1_000);
});

Deno.test("Wake signal - a pause runs its time out through wake-ups, and ends when stopped", async () => {
  let stopped = false;
  const signal = wakeSignal(() => stopped);
  const started = performance.now();
  const paused = signal.pause(80);
  const waker = setInterval(() => signal.wake(), 10);
  await paused;
  clearInterval(waker);
  assert.ok(performance.now() - started >= 75, "wake-ups do not cut a pause short");
  stopped = true;
  const t0 = performance.now();
  await signal.pause(5_000);
  assert.ok(performance.now() - t0 < 100, "a stopped owner does not pause");
});
