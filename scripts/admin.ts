/**
 * `deno task admin grant|revoke <username>`, `deno task admin list [username]`:
 * the operator's tool for administrators. Roles are granted, never claimed:
 * a grant or revoke is an event (RoleGranted / RoleRevoked) on the user's own
 * stream, and the app reads that stream on every request. Needs the event
 * store (DATABASE_URL, or the embedded database of `deno task dev` when that
 * is not running). Exit 0 done, 1 unknown user, 2 usage or configuration.
 */
import { messageOf, silentLogger } from "../app/log.ts";
import { changeRole, rolesOf } from "../app/user_handlers.ts";
import { parseStreamId, UserNotFound } from "../domain/mod.ts";
import { loadConfig } from "../infra/config.ts";
import { createSystem, type System } from "../infra/system.ts";

const USAGE = "usage: deno task admin grant <username> | revoke <username> | list [username]";

/** Runs one admin command against `system`; returns the exit code. */
export async function runAdmin(
  system: System,
  args: readonly string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const [action, username] = args;
  if ((action === "grant" || action === "revoke") && username) {
    const grant = action === "grant";
    const before = await rolesOf(system.store, username);
    await changeRole(system.store, {
      username,
      role: "admin",
      grant,
      operator: Deno.env.get("USER"),
    });
    // Web processes cache sessions briefly: they look this user's up again at once.
    await system.rolesChanged(username);
    const changed = grant !== (before ?? []).includes("admin");
    print(`${username}: ${grant ? "admin" : "not admin"}${changed ? "" : " (unchanged)"}`);
    return 0;
  }
  if (action === "list" && username) {
    const roles = await rolesOf(system.store, username);
    if (roles === null) throw new UserNotFound(`no user named "${username}"`);
    print(`${username}: ${roles.length ? roles.join(", ") : "no roles"}`);
    return 0;
  }
  if (action === "list") {
    const streams = await system.eventSql<{ stream_id: string }[]>`
      select distinct stream_id from events
      where event_type in ('RoleGranted', 'RoleRevoked') order by stream_id`;
    let admins = 0;
    for (const { stream_id } of streams) {
      const stream = parseStreamId(stream_id);
      if (stream?.kind !== "user") continue;
      const name = stream.username;
      if ((await rolesOf(system.store, name))?.includes("admin")) {
        print(name);
        admins++;
      }
    }
    if (admins === 0) {
      print("(no administrators; grant one with: deno task admin grant <username>)");
    }
    return 0;
  }
  console.error(USAGE);
  return 2;
}

if (import.meta.main) {
  let code = 2;
  let system: System | null = null;
  try {
    const config = loadConfig({ ...Deno.env.toObject(), ROLE: "command" });
    system = await createSystem(config, { logger: silentLogger });
    code = await runAdmin(system, Deno.args);
  } catch (error) {
    console.error(`admin: ${messageOf(error)}`);
    code = error instanceof UserNotFound ? 1 : 2;
  } finally {
    await system?.close();
  }
  Deno.exit(code);
}
