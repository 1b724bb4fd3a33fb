import assert from "node:assert/strict";
import {
  type Actor,
  ConcurrencyError,
  Forbidden,
  Unauthenticated,
  ValidationFailed,
} from "../domain/mod.ts";
import { requestContext } from "./context.ts";
import {
  type AnyCommandHandler,
  type CommandHandler,
  createMediator,
  MediatorConfigError,
} from "./mediator.ts";
import type { CommandResults, CommandType } from "./messages.ts";
import { Metrics } from "./metrics.ts";

const alice: Actor = { userId: crypto.randomUUID(), username: "alice", isAdmin: false };
const admin: Actor = { userId: crypto.randomUUID(), username: "root", isAdmin: true };
const postId = crypto.randomUUID();

const write = { streamId: "s", version: 1, position: 1 };

/** What each recording handler answers: any value of the command's result type. */
const answers: CommandResults = {
  CreatePost: { ...write, postId },
  EditMessage: write,
  LikePost: { ...write, likes: 1 },
  UnlikePost: { ...write, likes: 0 },
  AddComment: { ...write, commentId: postId },
  EditComment: write,
  RemoveComment: write,
  DeletePost: write,
  RegisterUser: { ...write, userId: postId },
  RestoreReadDb: { jobId: postId },
  RetryDeadLetter: { applied: true },
  SignIn: { userId: postId, username: "alice", sessionId: "s", expiresAt: new Date(0) },
  SignOut: {},
};

/** Handlers that record what reached them; `behave` can make one throw. */
function recordingHandlers(behave: Partial<Record<CommandType, () => void>> = {}) {
  const seen: { type: string; message: unknown }[] = [];
  const recorder = <K extends CommandType>(type: K): CommandHandler<K> => ({
    type,
    access: type === "RegisterUser" ? "anyone" : type === "RestoreReadDb" ? "admin" : "signed_in",
    retryOnConflict: type === "LikePost" ? 3 : 0,
    handle(message: unknown) {
      seen.push({ type, message });
      behave[type]?.();
      return Promise.resolve(answers[type]);
    },
  });
  const byType: { [K in CommandType]: CommandHandler<K> } = {
    CreatePost: recorder("CreatePost"),
    EditMessage: recorder("EditMessage"),
    LikePost: recorder("LikePost"),
    UnlikePost: recorder("UnlikePost"),
    AddComment: recorder("AddComment"),
    EditComment: recorder("EditComment"),
    RemoveComment: recorder("RemoveComment"),
    DeletePost: recorder("DeletePost"),
    RegisterUser: recorder("RegisterUser"),
    RestoreReadDb: recorder("RestoreReadDb"),
    RetryDeadLetter: recorder("RetryDeadLetter"),
    SignIn: recorder("SignIn"),
    SignOut: recorder("SignOut"),
  };
  const handlers: AnyCommandHandler[] = Object.values(byType);
  return { seen, handlers };
}

Deno.test("Mediator - a missing or duplicate handler is an error at start-up", () => {
  const { handlers } = recordingHandlers();
  assert.throws(
    () => createMediator({ commands: handlers.slice(1), side: "command" }),
    (e: Error) => e instanceof MediatorConfigError && /CreatePost has no handler/.test(e.message),
  );
  assert.throws(
    () => createMediator({ commands: [...handlers, handlers[0]], side: "command" }),
    (e: Error) => e instanceof MediatorConfigError && /more than one handler/.test(e.message),
  );
  assert.throws(() => createMediator({ commands: handlers }), /query FindAllPosts has no handler/);
  const commandSide = createMediator({ commands: handlers, side: "command" });
  assert.equal(commandSide.serves.queries.length, 0);
});

Deno.test("Mediator - validation runs first and names the field; the handler never sees bad input", async () => {
  const { seen, handlers } = recordingHandlers();
  const mediator = createMediator({ commands: handlers, side: "command" });
  const ctx = requestContext({ actor: alice });
  await assert.rejects(
    mediator.send({ type: "CreatePost", message: "   " }, ctx),
    (e: ValidationFailed) => e instanceof ValidationFailed && e.fields.message !== undefined,
  );
  await assert.rejects(
    mediator.send({ type: "LikePost", postId: "not-a-uuid" }, ctx),
    (e: ValidationFailed) => e.fields.postId === "postId must be a UUID",
  );
  await assert.rejects(
    mediator.send(JSON.parse('{"type": "Nope"}'), ctx), // from outside: no static type
    (e: Error) => e instanceof ValidationFailed && /unknown command type "Nope"/.test(e.message),
  );
  assert.equal(seen.length, 0);
  await mediator.send({ type: "CreatePost", message: "  hello  " }, ctx);
  assert.deepEqual(
    seen[0].message,
    { type: "CreatePost", message: "hello" },
    "zod output (trimmed)",
  );
});

Deno.test("Mediator - authorization comes from the context: anonymous, signed in, admin", async () => {
  const { seen, handlers } = recordingHandlers();
  const mediator = createMediator({ commands: handlers, side: "command" });
  await assert.rejects(
    mediator.send({ type: "LikePost", postId }, requestContext()),
    Unauthenticated,
  );
  await assert.rejects(
    mediator.send({ type: "RestoreReadDb" }, requestContext({ actor: alice })),
    Forbidden,
  );
  await mediator.send({ type: "RestoreReadDb" }, requestContext({ actor: admin }));
  await mediator.send(
    { type: "RegisterUser", username: "New_User", password: "long enough" },
    requestContext(),
  );
  assert.deepEqual(seen.map((s) => s.type), ["RestoreReadDb", "RegisterUser"]);
  assert.equal((seen[1].message as { username: string }).username, "new_user");
});

Deno.test("Mediator - commuting commands retry a bounded number of times on conflict", async () => {
  let likeCalls = 0;
  let deleteCalls = 0;
  const { handlers } = recordingHandlers({
    LikePost: () => {
      if (++likeCalls < 3) throw new ConcurrencyError("post-x", 1);
    },
    DeletePost: () => {
      deleteCalls++;
      throw new ConcurrencyError("post-x", 1);
    },
  });
  const metrics = new Metrics();
  const mediator = createMediator({ commands: handlers, side: "command", metrics });
  const ctx = requestContext({ actor: alice });
  await mediator.send({ type: "LikePost", postId }, ctx);
  assert.equal(likeCalls, 3, "two conflicts, then success");
  await assert.rejects(mediator.send({ type: "DeletePost", postId }, ctx), ConcurrencyError);
  assert.equal(deleteCalls, 1, "a non-commuting command is not retried");
  assert.equal(metrics.value("commands_total", { type: "LikePost", outcome: "ok" }), 1);
  assert.equal(
    metrics.value("commands_total", { type: "DeletePost", outcome: "concurrency_conflict" }),
    1,
  );
  assert.match(metrics.render(), /command_duration_seconds_bucket\{type="LikePost",le="\+Inf"\} 1/);
});
