/**
 * `deno task loadtest [URL] [--mix commands|feed|post] [--clients N] [--seconds S]`:
 * drives a running Agora through its JSON API and pages, prints a live
 * progress line, then requests/s, p50/p99 and errors by status.
 *
 * It signs up its own users (`lt_*`) and writes posts, comments and likes,
 * so point it at a deployment you may fill with test data, with the app's
 * write limits off (RATE_LIMIT_WRITES_PER_MIN=0). Targets other than
 * loopback need `--allow-remote`.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { isLoopback, type Mix, runHttpLoad } from "../bench/http_load.ts";

const MIXES: readonly Mix[] = ["commands", "feed", "post"];
const USAGE = "usage: deno task loadtest [URL] [--mix commands|feed|post] [--clients N] " +
  "[--seconds S] [--hot-posts N] [--allow-remote] [--json]";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    mix: { type: "string", default: "commands" },
    clients: { type: "string" },
    seconds: { type: "string", default: "10" },
    "hot-posts": { type: "string", default: "16" },
    "allow-remote": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const url = positionals[0] ?? "http://127.0.0.1:8000";
const mix = values.mix as Mix;
const fail = (message: string): never => {
  console.error(`loadtest: ${message}\n${USAGE}`);
  Deno.exit(2);
};
const whole = (name: string, text: string, max: number) => {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fail(`--${name} must be 1 to ${max}`);
};
if (!MIXES.includes(mix)) fail(`--mix must be one of ${MIXES.join(", ")}`);
try {
  new URL(url);
} catch {
  fail(`${url} is not a URL`);
}
if (!isLoopback(url) && !values["allow-remote"]) {
  fail(`${url} is not a loopback address; pass --allow-remote to load another host`);
}
const clients = whole("clients", values.clients ?? (mix === "commands" ? "64" : "100"), 10_000);
const seconds = whole("seconds", values.seconds, 3600);
const hotPosts = whole("hot-posts", values["hot-posts"], 1000);

const json = values.json;
console.error(`loadtest: ${mix} against ${url}, ${clients} clients, ${seconds} s (signing up)`);
// --json: for a program driving this one (the bench), one JSON line when the timed load starts
// and one with the result; the progress line stays on stderr.
const line = (value: unknown) => console.log(JSON.stringify(value));
// This process's CPU time over the timed load (ms): what the load itself cost the machine.
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
let cpuAtStart = 0;
const result = await runHttpLoad({
  url,
  mix,
  clients,
  seconds,
  hotPosts,
  onLoadStart: json
    ? () => {
      cpuAtStart = cpuMs();
      line({ started: true });
    }
    : undefined,
  onProgress: (p) =>
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `\r${p.elapsedS.toFixed(0).padStart(4)} s  ${
          String(p.perSecond).padStart(6)
        }/s  ${p.done} done  ${p.errors} errors   `,
      ),
    ),
});
Deno.stderr.writeSync(new TextEncoder().encode("\n"));
if (json) {
  line({ result, cpuMs: cpuMs() - cpuAtStart });
} else {
  const unit = mix === "commands" ? "commands/s" : "requests/s";
  console.log(`${unit}: ${result.perSecond.toFixed(0)}`);
  console.log(`p50: ${result.p50Ms.toFixed(1)} ms`);
  console.log(`p99: ${result.p99Ms.toFixed(1)} ms`);
  const errors = Object.entries(result.errors);
  console.log(
    `errors: ${
      errors.length ? errors.map(([status, n]) => `${n} × ${status}`).join(", ") : "none"
    } (${result.ok} ok)`,
  );
}
