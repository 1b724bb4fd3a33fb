import type { z } from "zod";
import {
  AppError,
  ConcurrencyError,
  Forbidden,
  Unauthenticated,
  ValidationFailed,
} from "../domain/mod.ts";
import type { RequestContext } from "./context.ts";
import { type Logger, silentLogger } from "./log.ts";
import {
  type Command,
  type CommandResults,
  commandSchemas,
  type CommandType,
  type Query,
  type QueryResults,
  querySchemas,
  type QueryType,
} from "./messages.ts";
import { Metrics } from "./metrics.ts";

/** Who may send a message: anybody, a signed-in user, or an administrator. */
export type Access = "anyone" | "signed_in" | "admin";

/** The handler of one command type. */
export type CommandHandler<K extends CommandType> = {
  readonly type: K;
  readonly access: Access;
  /**
   * How often to re-run the handler (fresh load, fresh decision) after a
   * ConcurrencyError. Only for commands whose effect commutes with others'.
   */
  readonly retryOnConflict?: number;
  handle(command: Extract<Command, { type: K }>, ctx: RequestContext): Promise<CommandResults[K]>;
};

/** The handler of one query type. */
export type QueryHandler<K extends QueryType> = {
  readonly type: K;
  readonly access: Access;
  handle(query: Extract<Query, { type: K }>, ctx: RequestContext): Promise<QueryResults[K]>;
};

/** Any command handler (a union over all command types). */
export type AnyCommandHandler = { [K in CommandType]: CommandHandler<K> }[CommandType];
/** Any query handler. */
export type AnyQueryHandler = { [K in QueryType]: QueryHandler<K> }[QueryType];

/** Typing helper: `defineCommand({ type: "LikePost", ... })` infers the rest. */
export function defineCommand<K extends CommandType>(
  handler: CommandHandler<K>,
): CommandHandler<K> {
  return handler;
}

/** Typing helper for query handlers. */
export function defineQuery<K extends QueryType>(handler: QueryHandler<K>): QueryHandler<K> {
  return handler;
}

/** The mediator was wired wrongly: a handler is missing or registered twice. */
export class MediatorConfigError extends Error {}

/**
 * Sends commands and queries to their one handler through the pipeline
 * validate -> authorize -> handle (with bounded retry) -> log and metrics.
 *
 * @example
 * ```ts
 * const { postId, position } = await mediator.send({ type: "CreatePost", message: "hi" }, ctx);
 * const post = await mediator.query({ type: "FindPostById", postId }, ctx);
 * ```
 */
export type Mediator = {
  send<C extends Command>(command: C, ctx: RequestContext): Promise<CommandResults[C["type"]]>;
  query<Q extends Query>(query: Q, ctx: RequestContext): Promise<QueryResults[Q["type"]]>;
  /** Message types this mediator serves (a role may serve only one side). */
  readonly serves: { commands: readonly CommandType[]; queries: readonly QueryType[] };
};

/** Options of `createMediator`. */
export type MediatorOptions = {
  commands?: readonly AnyCommandHandler[];
  queries?: readonly AnyQueryHandler[];
  /**
   * Which side must be complete. A `command` process needs a handler for every
   * command and serves no query; `query` the reverse; `all` both.
   */
  side?: "all" | "command" | "query";
  logger?: Logger;
  metrics?: Metrics;
};

type Handler = {
  type: string;
  access: Access;
  retryOnConflict?: number;
  handle(message: unknown, ctx: RequestContext): Promise<unknown>;
};

/** Hands a command result's position to the request's `written` observer. */
function tellWritten(result: unknown, ctx: RequestContext): void {
  if (!ctx.written || typeof result !== "object" || result === null) return;
  const position = (result as { position?: unknown }).position;
  if (typeof position === "number" && position > 0) ctx.written(position);
}

/**
 * Builds a mediator and checks at start-up that every message type of the
 * side it serves has exactly one handler.
 */
export function createMediator(options: MediatorOptions): Mediator {
  const side = options.side ?? "all";
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? new Metrics();
  metrics.describe("commands_total", "Commands handled, by type and outcome");
  metrics.describe("command_duration_seconds", "Command handling time");
  metrics.describe("queries_total", "Queries handled, by type and outcome");

  const commands = register(
    "command",
    options.commands ?? [],
    side === "query" ? [] : Object.keys(commandSchemas),
  );
  const queries = register(
    "query",
    options.queries ?? [],
    side === "command" ? [] : Object.keys(querySchemas),
  );

  async function run(
    kind: "command" | "query",
    message: unknown,
    ctx: RequestContext,
  ): Promise<unknown> {
    const started = performance.now();
    const type = typeOf(message);
    let outcome = "ok";
    try {
      // 1. validate: the message must match its zod schema (input is never trusted)
      const handler = (kind === "command" ? commands : queries).get(type);
      const schemas: Record<string, z.ZodType> = kind === "command" ? commandSchemas : querySchemas;
      if (!handler || !schemas[type]) {
        throw new ValidationFailed(`unknown ${kind} type "${type}"`, { type: "unknown" });
      }
      const valid = validate(schemas[type], message);
      // 2. authorize: the actor comes from the context, never from the message
      authorize(handler.access, ctx);
      // 3. handle, re-deciding on fresh state after a conflict where that is safe
      for (let attempt = 0;; attempt++) {
        try {
          const result = await handler.handle(valid, ctx);
          if (kind === "command") tellWritten(result, ctx);
          return result;
        } catch (error) {
          if (!(error instanceof ConcurrencyError) || attempt >= (handler.retryOnConflict ?? 0)) {
            throw error;
          }
          metrics.inc("command_retries_total", { type });
          await backoff(attempt);
        }
      }
    } catch (error) {
      outcome = error instanceof AppError ? error.code : "error";
      throw error;
    } finally {
      // 4. log and measure every outcome
      const seconds = (performance.now() - started) / 1000;
      metrics.inc(`${kind === "command" ? "commands" : "queries"}_total`, { type, outcome });
      if (kind === "command") metrics.observe("command_duration_seconds", { type }, seconds);
      const fields = {
        kind,
        type,
        outcome,
        ms: Math.round(seconds * 1000),
        correlationId: ctx.correlationId,
        userId: ctx.actor?.userId ?? null,
      };
      if (outcome === "error") logger.error(`${kind} failed`, fields);
      else if (kind === "command") logger.info(`${kind} handled`, fields);
      else logger.debug(`${kind} handled`, fields);
    }
  }

  return {
    send: (command, ctx) => run("command", command, ctx) as never,
    query: (query, ctx) => run("query", query, ctx) as never,
    serves: {
      commands: [...commands.keys()] as CommandType[],
      queries: [...queries.keys()] as QueryType[],
    },
  };
}

function register(
  kind: string,
  handlers: readonly { type: string }[],
  required: readonly string[],
): Map<string, Handler> {
  const map = new Map<string, Handler>();
  const duplicates: string[] = [];
  for (const handler of handlers) {
    if (map.has(handler.type)) duplicates.push(handler.type);
    map.set(handler.type, handler as unknown as Handler);
  }
  const missing = required.filter((type) => !map.has(type));
  const problems = [
    ...duplicates.map((t) => `${kind} ${t} has more than one handler`),
    ...missing.map((t) => `${kind} ${t} has no handler`),
  ];
  if (problems.length > 0) throw new MediatorConfigError(problems.join("; "));
  return map;
}

function typeOf(message: unknown): string {
  if (typeof message === "object" && message !== null && "type" in message) {
    return String(message.type);
  }
  return "(none)";
}

/**
 * The path of the first string that PostgreSQL cannot store (a NUL, or an
 * unpaired UTF-16 surrogate, e.g. from JSON's `"\ud800"`), or null.
 */
function unstorableText(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === "string") {
    return value.includes("\u0000") || !value.isWellFormed() ? path || "(input)" : null;
  }
  if (typeof value !== "object" || value === null || depth > 20) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = unstorableText(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Parses with zod; a failure becomes ValidationFailed naming every field. */
export function validate<T>(schema: z.ZodType<T>, input: unknown): T {
  const bad = unstorableText(input, "");
  if (bad) {
    const message = "must not contain NUL characters or unpaired surrogates";
    throw new ValidationFailed(`${bad}: ${message}`, { [bad]: message });
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path.join(".") || "(input)";
    fields[field] ??= issue.message;
  }
  const summary = Object.entries(fields).map(([f, m]) => `${f}: ${m}`).join("; ");
  throw new ValidationFailed(summary, fields);
}

/** Full-jitter exponential backoff, so racing writers spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

function authorize(access: Access, ctx: RequestContext): void {
  if (access === "anyone") return;
  if (!ctx.actor) throw new Unauthenticated();
  if (access === "admin" && !ctx.actor.isAdmin) {
    throw new Forbidden("only administrators may do this");
  }
}
