import { backoffMs } from "./backoff.ts";
import type { z } from "zod";
import {
  type Actor,
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

/** A context whose actor the mediator's authorization step has checked. */
export type SignedInContext = RequestContext & { readonly actor: Actor };

/** The context a handler of this access sees: a signed-in one unless anyone may send. */
export type ContextFor<A extends Access> = A extends "anyone" ? RequestContext : SignedInContext;

/** A command of one type. */
export type CommandOf<K extends CommandType> = Extract<Command, { type: K }>;
/** A query of one type. */
export type QueryOf<K extends QueryType> = Extract<Query, { type: K }>;

/**
 * A handler's access and the context its `handle` gets, paired so a
 * "signed_in" or "admin" handler is typed with a non-null actor.
 */
type Guarded<M, R> =
  | { readonly access: "anyone"; handle(message: M, ctx: RequestContext): Promise<R> }
  | {
    readonly access: "signed_in" | "admin";
    handle(message: M, ctx: SignedInContext): Promise<R>;
  };

/** The handler of one command type. */
export type CommandHandler<K extends CommandType> = {
  readonly type: K;
  /**
   * How often to re-run the handler (fresh load, fresh decision) after a
   * ConcurrencyError. Only for commands whose effect commutes with others'.
   */
  readonly retryOnConflict?: number;
} & Guarded<CommandOf<K>, CommandResults[K]>;

/** The handler of one query type. */
export type QueryHandler<K extends QueryType> =
  & { readonly type: K }
  & Guarded<QueryOf<K>, QueryResults[K]>;

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
  send<K extends CommandType>(
    command: { readonly type: K } & CommandOf<K>,
    ctx: RequestContext,
  ): Promise<CommandResults[K]>;
  query<K extends QueryType>(
    query: { readonly type: K } & QueryOf<K>,
    ctx: RequestContext,
  ): Promise<QueryResults[K]>;
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

/** Each command type's handler, if registered: typed per type, so lookups need no cast. */
type CommandRegistry = { [K in CommandType]?: CommandHandler<K> };
/** Each query type's handler, if registered. */
type QueryRegistry = { [K in QueryType]?: QueryHandler<K> };

/** Each command type's schema, with the command type it parses to. */
const commandValidators: { [K in CommandType]: z.ZodType<CommandOf<K>> } = commandSchemas;
/** Each query type's schema, with the query type it parses to. */
const queryValidators: { [K in QueryType]: z.ZodType<QueryOf<K>> } = querySchemas;

function isCommandType(type: unknown): type is CommandType {
  return typeof type === "string" && Object.hasOwn(commandSchemas, type);
}

function isQueryType(type: unknown): type is QueryType {
  return typeof type === "string" && Object.hasOwn(querySchemas, type);
}

/** Hands a command result's position to the request's `written` observer. */
function tellWritten(result: unknown, ctx: RequestContext): void {
  if (!ctx.written || typeof result !== "object" || result === null) return;
  if (!("position" in result) || typeof result.position !== "number") return;
  if (result.position > 0) ctx.written(result.position);
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

  const commandTypes = Object.keys(commandSchemas).filter(isCommandType);
  const queryTypes = Object.keys(querySchemas).filter(isQueryType);
  const commands: CommandRegistry = {};
  const queries: QueryRegistry = {};
  const problems = [
    ...registerAll(
      "command",
      commands,
      options.commands ?? [],
      () => side === "query" ? [] : commandTypes.filter((type) => !commands[type]),
    ),
    ...registerAll(
      "query",
      queries,
      options.queries ?? [],
      () => side === "command" ? [] : queryTypes.filter((type) => !queries[type]),
    ),
  ];
  if (problems.length > 0) throw new MediatorConfigError(problems.join("; "));

  /** Validates, authorizes and handles one command, re-deciding after a conflict where safe. */
  async function sendOne<K extends CommandType>(
    type: K,
    message: unknown,
    ctx: RequestContext,
  ): Promise<CommandResults[K]> {
    const handler = registered("command", commands, type);
    // 1. validate: the message must match its zod schema (input is never trusted)
    const valid = validate(commandValidators[type], message);
    for (let attempt = 0;; attempt++) {
      try {
        // 2. authorize (the actor comes from the context, never from the message), 3. handle
        const result = await invoke(handler, valid, ctx);
        tellWritten(result, ctx);
        return result;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= (handler.retryOnConflict ?? 0)) {
          throw error;
        }
        metrics.inc("command_retries_total", { type });
        await backoff(attempt);
      }
    }
  }

  /** Validates, authorizes and answers one query. */
  function queryOne<K extends QueryType>(
    type: K,
    message: unknown,
    ctx: RequestContext,
  ): Promise<QueryResults[K]> {
    return invoke(
      registered("query", queries, type),
      validate(queryValidators[type], message),
      ctx,
    );
  }

  /** Runs one message, then logs and measures every outcome. */
  async function observed<T>(
    kind: "command" | "query",
    message: unknown,
    ctx: RequestContext,
    work: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const type = typeOf(message);
    let outcome = "ok";
    try {
      return await work();
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
    send: (command, ctx) =>
      observed("command", command, ctx, () => sendOne(command.type, command, ctx)),
    query: (query, ctx) => observed("query", query, ctx, () => queryOne(query.type, query, ctx)),
    serves: {
      commands: commandTypes.filter((type) => commands[type]),
      queries: queryTypes.filter((type) => queries[type]),
    },
  };
}

/**
 * Puts every handler in the registry under its own type (so each entry's type
 * matches its key by construction) and names what is wired wrongly:
 * duplicates, then missing types.
 */
function registerAll<T extends string, H extends { type: T }>(
  kind: string,
  registry: { [K in T]?: H },
  handlers: readonly H[],
  missing: () => readonly string[],
): string[] {
  const duplicates: string[] = [];
  for (const handler of handlers) {
    if (registry[handler.type] !== undefined) duplicates.push(handler.type);
    registry[handler.type] = handler;
  }
  return [
    ...duplicates.map((t) => `${kind} ${t} has more than one handler`),
    ...missing().map((t) => `${kind} ${t} has no handler`),
  ];
}

/** The handler of `type`; ValidationFailed for a type nobody handles (input is never trusted). */
function registered<R extends object, K extends keyof R & string>(
  kind: string,
  registry: R,
  type: K,
): NonNullable<R[K]> {
  const handler = Object.hasOwn(registry, type) ? registry[type] : undefined;
  if (handler === undefined || handler === null) {
    throw new ValidationFailed(`unknown ${kind} type "${type}"`, { type: "unknown" });
  }
  return handler;
}

/** Authorizes, then hands the handler the context its access promises. */
function invoke<M, R>(
  handler:
    | { access: "anyone"; handle(message: M, ctx: RequestContext): Promise<R> }
    | { access: "signed_in" | "admin"; handle(message: M, ctx: SignedInContext): Promise<R> },
  message: M,
  ctx: RequestContext,
): Promise<R> {
  if (handler.access === "anyone") return handler.handle(message, ctx);
  const actor = ctx.actor;
  if (!actor) throw new Unauthenticated();
  if (handler.access === "admin" && !actor.isAdmin) {
    throw new Forbidden("only administrators may do this");
  }
  return handler.handle(message, { ...ctx, actor });
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
  const ceiling = backoffMs(attempt, { baseMs: 5, maxMs: 200 });
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
