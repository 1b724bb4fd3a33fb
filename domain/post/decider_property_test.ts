import assert from "node:assert/strict";
import fc from "fast-check";
import type { Actor } from "../actor.ts";
import { validateEvent } from "../catalog.ts";
import {
  CommentNotFound,
  NotAuthor,
  PostNotFound,
  PostRemoved,
  ValidationFailed,
  VersionMismatch,
} from "../errors.ts";
import { alice, bob, carol, T0 } from "../test_utils.ts";
import { COMMENT_MAX, MESSAGE_MAX, type PostDecision } from "./commands.ts";
import { decide, evolve, fold, initialState, type PostState } from "./decider.ts";
import type { PostEvent } from "./events.ts";
import { postSnapshotShape } from "./snapshot.ts";

/*
 * Random command sequences against one post, checked step by step against a
 * small independent model of the rules in PRODUCT.md, and against a fresh
 * fold of every event produced so far.
 */

const POST = "11111111-1111-4111-8111-111111111111";
const UNKNOWN_COMMENT = "ffffffff-ffff-4fff-bfff-ffffffffffff";
const ACTORS = [alice, bob, carol] as const;

/** The rule violations a decision may raise; anything else is a bug. */
const NAMED_ERRORS = [
  ValidationFailed,
  NotAuthor,
  PostNotFound,
  PostRemoved,
  CommentNotFound,
  VersionMismatch,
] as const;
type NamedError = (typeof NAMED_ERRORS)[number];

// ------------------------------------------------------------- generators

/** A comment the step refers to: one added earlier (by index) or one never added. */
type Target = { kind: "added"; index: number } | { kind: "unknown" };
/** What the caller says it saw: nothing, the version it is at, or any number. */
type Expected = { kind: "none" } | { kind: "current" } | { kind: "exact"; version: number };

type Step =
  | { type: "LikePost" | "UnlikePost" | "DeletePost"; actor: number }
  | { type: "EditMessage"; actor: number; message: string; expected: Expected }
  | { type: "AddComment"; actor: number; comment: string }
  | { type: "EditComment"; actor: number; target: Target; comment: string }
  | { type: "RemoveComment"; actor: number; target: Target };

const actor = fc.nat({ max: ACTORS.length - 1 });

/** Mostly valid texts, some equal after trimming, some empty, some too long. */
const text = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("hello", "world", "  hello  ", "hi there", "ok") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      " \n\t ",
      "m".repeat(COMMENT_MAX), // longest comment
      "n".repeat(COMMENT_MAX + 1), // a valid message, too long for a comment
      "o".repeat(MESSAGE_MAX + 1), // too long for either
    ),
  },
);

const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("added" as const), index: fc.nat(100) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "unknown" as const }) },
);

const expected: fc.Arbitrary<Expected> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "current" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("exact" as const),
      version: fc.integer({ min: 1, max: 61 }),
    }),
  },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant("LikePost" as const), actor }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant("UnlikePost" as const), actor }) },
  {
    weight: 5,
    arbitrary: fc.record({ type: fc.constant("AddComment" as const), actor, comment: text }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("EditComment" as const),
      actor,
      target,
      comment: text,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant("RemoveComment" as const), actor, target }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("EditMessage" as const),
      actor,
      message: text,
      expected,
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("DeletePost" as const), actor }) },
);

const createMessage = fc.oneof(
  { weight: 19, arbitrary: fc.constantFrom("first post", "  hello  ", "hello") },
  { weight: 1, arbitrary: fc.constantFrom("", "   ", "o".repeat(MESSAGE_MAX + 1)) },
);

const scenario = fc.record({
  author: actor,
  message: createMessage,
  steps: fc.array(step, { maxLength: 59 }),
  /** Where each step's snapshot is cut: after `cut % (events so far + 1)` events. */
  cuts: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
});

// ------------------------------------------------------------------ model

type Model = {
  status: "none" | "active" | "removed";
  author: string;
  message: string;
  /** Each user's last like/unlike that went through (a no-op included). */
  lastLikeAction: Map<string, "like" | "unlike">;
  /** Comment id -> author and text, for comments added and not removed. */
  comments: Map<string, { author: string; text: string }>;
  /** Number of events produced. */
  version: number;
};

/** What the model says a decision does: fail with a named error, or emit these events. */
type Outcome = { error: NamedError } | { events: PostEvent[] };

function likers(model: Model): Set<string> {
  return new Set([...model.lastLikeAction].filter(([, a]) => a === "like").map(([u]) => u));
}

/** The rules of PRODUCT.md, written out independently of the decider. */
function predict(model: Model, command: PostDecision): Outcome {
  const me = command.actor.userId;
  const at = command.at;
  const textOf = (value: string, max: number): string | null => {
    const t = value.trim();
    return t.length >= 1 && t.length <= max ? t : null;
  };
  if (command.type === "CreatePost") {
    const message = textOf(command.message, MESSAGE_MAX);
    if (message === null) return { error: ValidationFailed };
    const { userId: author, username: authorName } = command.actor;
    return {
      events: [{
        type: "PostCreated",
        data: { postId: command.postId, author, authorName, message, at },
      }],
    };
  }
  if (model.status === "none") return { error: PostNotFound };
  if (model.status === "removed") return { error: PostRemoved };
  switch (command.type) {
    case "EditMessage": {
      if (me !== model.author) return { error: NotAuthor };
      if (command.expectedVersion !== undefined && command.expectedVersion !== model.version) {
        return { error: VersionMismatch };
      }
      const message = textOf(command.message, MESSAGE_MAX);
      if (message === null) return { error: ValidationFailed };
      if (message === model.message) return { events: [] };
      return {
        events: [{ type: "MessageUpdated", data: { message, previousMessage: model.message, at } }],
      };
    }
    case "LikePost":
      return likers(model).has(me)
        ? { events: [] }
        : { events: [{ type: "PostLiked", data: { userId: me, at } }] };
    case "UnlikePost":
      return likers(model).has(me)
        ? { events: [{ type: "PostUnliked", data: { userId: me, at } }] }
        : { events: [] };
    case "AddComment": {
      const comment = textOf(command.comment, COMMENT_MAX);
      if (comment === null) return { error: ValidationFailed };
      const { commentId } = command;
      const authorName = command.actor.username;
      return {
        events: [{
          type: "CommentAdded",
          data: { commentId, author: me, authorName, comment, at },
        }],
      };
    }
    case "EditComment": {
      const existing = model.comments.get(command.commentId);
      if (!existing) return { error: CommentNotFound };
      if (existing.author !== me) return { error: NotAuthor };
      const comment = textOf(command.comment, COMMENT_MAX);
      if (comment === null) return { error: ValidationFailed };
      if (comment === existing.text) return { events: [] };
      return {
        events: [{ type: "CommentUpdated", data: { commentId: command.commentId, comment, at } }],
      };
    }
    case "RemoveComment": {
      const existing = model.comments.get(command.commentId);
      if (!existing) return { error: CommentNotFound };
      if (existing.author !== me && model.author !== me) return { error: NotAuthor };
      return {
        events: [{ type: "CommentRemoved", data: { commentId: command.commentId, by: me, at } }],
      };
    }
    case "DeletePost":
      if (me !== model.author) return { error: NotAuthor };
      return { events: [{ type: "PostRemoved", data: { by: me, at } }] };
  }
}

/** Updates the model after a decision went through (whether or not it emitted events). */
function advance(model: Model, command: PostDecision, events: readonly PostEvent[]): void {
  model.version += events.length;
  const me = command.actor.userId;
  switch (command.type) {
    case "CreatePost":
      model.status = "active";
      model.author = me;
      model.message = command.message.trim();
      break;
    case "EditMessage":
      model.message = command.message.trim();
      break;
    case "LikePost":
      model.lastLikeAction.set(me, "like");
      break;
    case "UnlikePost":
      model.lastLikeAction.set(me, "unlike");
      break;
    case "AddComment":
      model.comments.set(command.commentId, { author: me, text: command.comment.trim() });
      break;
    case "EditComment":
      model.comments.set(command.commentId, { author: me, text: command.comment.trim() });
      break;
    case "RemoveComment":
      model.comments.delete(command.commentId);
      break;
    case "DeletePost":
      model.status = "removed";
      break;
  }
}

function assertAgrees(state: PostState, model: Model, where: string): void {
  assert.equal(state.version, model.version, `version ${where}`);
  assert.equal(state.status, model.status, `status ${where}`);
  if (state.status === "none") return;
  const expectedLikers = likers(model);
  assert.equal(state.likers.size, expectedLikers.size, `like count ${where}`);
  assert.equal(state.likes, expectedLikers.size, `likes ${where}`);
  assert.deepEqual(state.likers, expectedLikers, `likers ${where}`);
  assert.deepEqual(
    [...state.comments.keys()].sort(),
    [...model.comments.keys()].sort(),
    `comment ids ${where}`,
  );
  for (const [id, { author, text }] of model.comments) {
    assert.equal(state.comments.get(id)?.author, author, `comment ${id} author ${where}`);
    assert.equal(state.comments.get(id)?.comment, text, `comment ${id} text ${where}`);
  }
  assert.equal(state.message, model.message, `message ${where}`);
  assert.equal(state.author, model.author, `author ${where}`);
}

// -------------------------------------------------------------- the run

function commentId(stepIndex: number): string {
  return `00000000-0000-4000-8000-${String(stepIndex).padStart(12, "0")}`;
}

function timeOf(stepIndex: number): string {
  return new Date(Date.parse(T0) + stepIndex * 1000).toISOString();
}

/** Turns a generated step into a decision, resolving comment targets and versions. */
function toDecision(
  s: Step,
  stepIndex: number,
  addedIds: readonly string[],
  model: Model,
): PostDecision {
  const stamp = { actor: ACTORS[s.actor] as Actor, at: timeOf(stepIndex) };
  const resolve = (t: Target) =>
    t.kind === "added" && addedIds.length > 0
      ? addedIds[t.index % addedIds.length]
      : UNKNOWN_COMMENT;
  switch (s.type) {
    case "LikePost":
    case "UnlikePost":
    case "DeletePost":
      return { type: s.type, postId: POST, ...stamp };
    case "EditMessage": {
      const expectedVersion = s.expected.kind === "none"
        ? undefined
        : s.expected.kind === "current"
        ? model.version
        : s.expected.version;
      return {
        type: "EditMessage",
        postId: POST,
        message: s.message,
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
        ...stamp,
      };
    }
    case "AddComment":
      return {
        type: "AddComment",
        postId: POST,
        commentId: commentId(stepIndex),
        comment: s.comment,
        ...stamp,
      };
    case "EditComment":
      return {
        type: "EditComment",
        postId: POST,
        commentId: resolve(s.target),
        comment: s.comment,
        ...stamp,
      };
    case "RemoveComment":
      return { type: "RemoveComment", postId: POST, commentId: resolve(s.target), ...stamp };
  }
}

/** What a decision gave: its events, or the name and message of its error. */
function outcomeOf(command: PostDecision, state: PostState): unknown {
  try {
    return { events: decide(command, state) };
  } catch (error) {
    if (!NAMED_ERRORS.some((type) => error instanceof type)) throw error;
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

/**
 * The command decided on a state as a process loads it from a snapshot taken
 * after `cut` events (its head and the entries the command reads, through
 * JSON) plus the events after the cut, against the whole state.
 */
function assertDecidesAsWhole(
  command: PostDecision,
  produced: readonly PostEvent[],
  cut: number,
  whole: PostState,
  where: string,
): void {
  const shape = postSnapshotShape;
  const atCut = fold(produced.slice(0, cut));
  const entries = shape.keysRead(command).flatMap((key) => {
    const value = shape.entry(atCut, key);
    return value === undefined ? [] : [[key, value] as const];
  });
  const stored = JSON.parse(JSON.stringify({ head: shape.head(atCut), entries }));
  const partial = fold(produced.slice(cut), shape.restore(stored.head, stored.entries));
  assert.deepEqual(
    shape.head(partial),
    shape.head(whole),
    `head from a snapshot at ${cut} ${where}`,
  );
  assert.deepEqual(
    outcomeOf(command, partial),
    outcomeOf(command, whole),
    `decided from a snapshot at ${cut} ${where}`,
  );
}

Deno.test("Post decider - property: random command sequences agree with a model and a fresh fold", () => {
  fc.assert(
    fc.property(scenario, ({ author, message, steps, cuts }) => {
      const model: Model = {
        status: "none",
        author: "",
        message: "",
        lastLikeAction: new Map(),
        comments: new Map(),
        version: 0,
      };
      let state = initialState();
      const produced: PostEvent[] = [];
      const addedIds: string[] = [];

      const create: PostDecision = {
        type: "CreatePost",
        postId: POST,
        message,
        actor: ACTORS[author],
        at: timeOf(0),
      };
      for (let i = 0; i <= steps.length; i++) {
        const command: PostDecision = i === 0
          ? create
          : toDecision(steps[i - 1], i, addedIds, model);
        if (command.type === "AddComment") addedIds.push(command.commentId);
        const where: string = `at step ${i} (${command.type} by ${command.actor.username})`;
        const outcome = predict(model, command);
        assertDecidesAsWhole(
          command,
          produced,
          cuts[i] % (produced.length + 1),
          state,
          where,
        );

        let events: PostEvent[];
        try {
          events = decide(command, state);
        } catch (error) {
          if (!NAMED_ERRORS.some((type) => error instanceof type)) throw error;
          assert.ok("error" in outcome, `${where}: unexpected ${error}`);
          assert.ok(
            error instanceof outcome.error,
            `${where}: expected ${outcome.error.name}, got ${error}`,
          );
          // A rejected command leaves the state (and the model) as it was.
          assertAgrees(state, model, where);
          assert.deepEqual(fold(produced), state, `fresh fold ${where}`);
          continue;
        }
        assert.ok(
          "events" in outcome,
          `${where}: expected ${"error" in outcome && outcome.error.name}`,
        );
        assert.deepEqual(events, outcome.events, `events ${where}`);
        for (const event of events) validateEvent(event);

        state = events.reduce(evolve, state);
        produced.push(...events);
        advance(model, command, events);

        assertAgrees(state, model, where);
        assert.equal(state.version, produced.length, `version counts events ${where}`);
        assert.deepEqual(fold(produced), state, `fresh fold ${where}`);
      }
    }),
    { numRuns: 200 },
  );
});
