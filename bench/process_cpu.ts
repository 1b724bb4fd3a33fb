import process from "node:process";

/** utime + stime of a /proc/<pid>/stat line, in ms (clock ticks of 10 ms: USER_HZ is 100). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time of a process and all its descendants, from Linux's /proc (in ms). */
export async function processTreeCpuMs(pid: number): Promise<number> {
  let stat: string;
  try {
    stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  } catch {
    return 0; // gone
  }
  let ms = statCpuMs(stat);
  for (const task of await Array.fromAsync(Deno.readDir(`/proc/${pid}/task`)).catch(() => [])) {
    const children = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`)
      .catch(() => "");
    for (const child of children.split(" ").filter(Boolean)) {
      ms += await processTreeCpuMs(Number(child));
    }
  }
  return ms;
}

/** CPU time (user + system) this process used so far, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * CPU time of every process whose command name is `comm` (e.g. "postgres": the
 * server and all its backends), in ms. Backends that ended in between are not
 * counted, so take it over a span in which the connections stay open.
 */
export async function commandCpuMs(comm: string): Promise<number> {
  let ms = 0;
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    if (open < 0 || stat.slice(open + 1, close) !== comm) continue;
    ms += statCpuMs(stat);
  }
  return ms;
}
