/**
 * `deno run --allow-read scripts/cpu_profile.ts FILE.cpuprofile [N]`: where a
 * `deno run --cpu-prof` profile spent its time. Prints the top N functions and
 * files by self time, as a share of all samples (idle and GC included).
 */

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const [file, topText] = Deno.args;
if (!file) {
  console.error("usage: scripts/cpu_profile.ts FILE.cpuprofile [N]");
  Deno.exit(2);
}
const top = Number(topText ?? 30);
const profile: Profile = JSON.parse(await Deno.readTextFile(file));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = url.replace(/^.*\/node_modules\/\.deno\//, "npm:").replace(
    /^file:\/\/.*?\/webperf\//,
    "",
  );
  const fn = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + delta);
  byFile.set(where || "(native)", (byFile.get(where || "(native)") ?? 0) + delta);
  total += delta;
});
const print = (title: string, table: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1e6).toFixed(1)} s sampled)`);
  for (const [name, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(100 * us / total).toFixed(1).padStart(5)}%  ${name}`);
  }
};
print("self time by function", byFunction);
print("self time by file", byFile);
