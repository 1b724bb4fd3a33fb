/** Structured log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * A structured logger: one JSON object per line.
 *
 * @example
 * ```ts
 * logger.info("command handled", { type: "LikePost", ms: 3 });
 * ```
 */
export type Logger = {
  [L in LogLevel]: (msg: string, fields?: Record<string, unknown>) => void;
};

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger writing JSON lines to stderr at `level` and above. */
export function jsonLogger(level: LogLevel = "info", base: Record<string, unknown> = {}): Logger {
  const write = (at: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[at] < ORDER[level]) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level: at,
      msg,
      ...base,
      ...fields,
    });
    console.error(line);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** An error's message, for logs and dead letters (anything thrown, not only Errors). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
