/**
 * `deno task verify`: folds the event store (DATABASE_URL) from scratch and
 * compares it row by row with the projection tables (READ_DATABASE_URL,
 * default DATABASE_URL), and checks every snapshot against its stream.
 * Prints every difference; exit 1 when there are any, 2 when DATABASE_URL is
 * missing.
 */
import { connect, databaseTls } from "../infra/postgres/mod.ts";
import { verifySnapshots } from "../infra/postgres/verify_snapshots.ts";
import { verifyReadModel } from "../infra/projections/verify.ts";
import { toolConfig } from "./tool_config.ts";
import { messageOf } from "../app/log.ts";

const { DATABASE_URL: url, READ_DATABASE_URL: readUrl } = toolConfig("verify");
const open = async (target: string) =>
  connect(target, {
    max: 2,
    name: "agora-verify",
    tls: await databaseTls(target, Deno.env.toObject()),
  });
const eventSql = await open(url);
const readSql = readUrl === url ? eventSql : await open(readUrl);

let code = 0;
try {
  const { differences, streams, events } = await verifyReadModel({ eventSql, readSql });
  const counted = `${streams} streams, ${events} events`;
  if (differences.length === 0) {
    console.log(`verify: read model matches the event store (${counted})`);
  } else {
    for (const line of differences) console.log(line);
    console.log(`verify: ${differences.length} differences (${counted})`);
    code = 1;
  }
  const snapshots = await verifySnapshots(eventSql);
  for (const line of snapshots.differences) console.log(line);
  if (snapshots.differences.length === 0) {
    console.log(`verify: ${snapshots.snapshots} snapshots match their streams`);
  } else {
    console.log(`verify: ${snapshots.differences.length} snapshot differences`);
    code = 1;
  }
} catch (error) {
  console.error(`verify: ${messageOf(error)}`);
  code = 1;
} finally {
  await Promise.all([...new Set([eventSql, readSql])].map((sql) => sql.end({ timeout: 5 })));
}
Deno.exit(code);
