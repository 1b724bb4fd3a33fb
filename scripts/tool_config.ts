/**
 * The configuration of a command-line tool, read through the one config
 * module (infra/config.ts): every problem printed at once, exit code 2.
 */
import { type Config, loadConfig } from "../infra/config.ts";
import { messageOf } from "../app/log.ts";

/** A configuration whose event store is named (DATABASE_URL). */
export type ToolConfig = Config & { DATABASE_URL: string; READ_DATABASE_URL: string };

/**
 * Loads the configuration for `tool`; with `needsDatabase` (the default),
 * DATABASE_URL must be set, and READ_DATABASE_URL defaults to it.
 *
 * @example
 * ```ts
 * const config = toolConfig("verify");
 * const eventSql = connect(config.DATABASE_URL);
 * ```
 */
export function toolConfig(tool: string): ToolConfig;
export function toolConfig(tool: string, options: { needsDatabase: false }): Config;
export function toolConfig(tool: string, options = { needsDatabase: true }): Config {
  let config: Config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (error) {
    console.error(`${tool}: ${messageOf(error)}`);
    Deno.exit(2);
  }
  if (!options.needsDatabase) return config;
  if (!config.DATABASE_URL) {
    console.error(
      `${tool}: DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/agora)`,
    );
    Deno.exit(2);
  }
  return { ...config, READ_DATABASE_URL: config.READ_DATABASE_URL ?? config.DATABASE_URL };
}
