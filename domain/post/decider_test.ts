import assert from "node:assert/strict";
import type { Actor } from "../actor.ts";
import { validateEvent } from "../catalog.ts";
import {
  CommentNotFound,
  NotAuthor,
  PostAlreadyExists,
  PostNotFound,
  PostRemoved,
  ValidationFailed,
  VersionMismatch,
} from "../errors.ts";
import { alice, bob, carol, deciderSpec, T0, T1 } from "../test_utils.ts";
import type { PostDecision } from "./commands.ts";
import { applyInPlace, fold, initialState, postDecider, type PostState } from "./decider.ts";
import type { PostEvent } from "./events.ts";

const spec = deciderSpec(postDecider);

const POST = "11111111-1111-4111-8111-111111111111";
const C1 = "22222222-2222-4222-8222-222222222222";
const C2 = "33333333-3333-4333-8333-333333333333";
const UNKNOWN_COMMENT = "44444444-4444-4444-8444-444444444444";

// ---------------------------------------------------------------- events

function created(by: Actor = alice, message = "hello world"): PostEvent {
  return {
    type: "PostCreated",
    data: { postId: POST, author: by.userId, authorName: by.username, message, at: T0 },
  };
}

function messageUpdated(
  message: string,
  at = T1,
  previousMessage: string | null = "hello world",
): PostEvent {
  return { type: "MessageUpdated", data: { message, previousMessage, at } };
}

function liked(by: Actor, at = T0): PostEvent {
  return { type: "PostLiked", data: { userId: by.userId, at } };
}

function unliked(by: Actor, at = T0): PostEvent {
  return { type: "PostUnliked", data: { userId: by.userId, at } };
}

function commentAdded(by: Actor, commentId = C1, comment = "nice post", at = T0): PostEvent {
  return {
    type: "CommentAdded",
    data: { commentId, author: by.userId, authorName: by.username, comment, at },
  };
}

function commentUpdated(commentId: string, comment: string, at = T1): PostEvent {
  return { type: "CommentUpdated", data: { commentId, comment, at } };
}

function commentRemoved(commentId: string, by: Actor, at = T0): PostEvent {
  return { type: "CommentRemoved", data: { commentId, by: by.userId, at } };
}

function removed(by: Actor = alice, at = T0): PostEvent {
  return { type: "PostRemoved", data: { by: by.userId, at } };
}

// -------------------------------------------------------------- commands

const stamp = (actor: Actor) => ({ actor, at: T1 });

function createPost(actor: Actor, message: string): PostDecision {
  return { type: "CreatePost", postId: POST, message, ...stamp(actor) };
}

function editMessage(actor: Actor, message: string, expectedVersion?: number): PostDecision {
  return {
    type: "EditMessage",
    postId: POST,
    message,
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
    ...stamp(actor),
  };
}

function likePost(actor: Actor): PostDecision {
  return { type: "LikePost", postId: POST, ...stamp(actor) };
}

function unlikePost(actor: Actor): PostDecision {
  return { type: "UnlikePost", postId: POST, ...stamp(actor) };
}

function addComment(actor: Actor, comment: string, commentId = C1): PostDecision {
  return { type: "AddComment", postId: POST, commentId, comment, ...stamp(actor) };
}

function editComment(actor: Actor, commentId: string, comment: string): PostDecision {
  return { type: "EditComment", postId: POST, commentId, comment, ...stamp(actor) };
}

function removeComment(actor: Actor, commentId: string): PostDecision {
  return { type: "RemoveComment", postId: POST, commentId, ...stamp(actor) };
}

function deletePost(actor: Actor): PostDecision {
  return { type: "DeletePost", postId: POST, ...stamp(actor) };
}

// ---------------------------------------------------------------- checks

/** A ValidationFailed that names exactly this field. */
function namesField(field: string) {
  return (error: Error) => {
    assert.deepEqual(Object.keys((error as ValidationFailed).fields), [field]);
    assert.equal((error as ValidationFailed).status, 400);
  };
}

function existing(state: PostState) {
  assert.notEqual(state.status, "none");
  if (state.status === "none") throw new Error("unreachable");
  return state;
}

// ============================================================ CreatePost

Deno.test("Post decider - CreatePost creates a post authored by the actor", () => {
  spec.given([]).when(createPost(alice, "hello world")).then([{
    type: "PostCreated",
    data: {
      postId: POST,
      author: alice.userId,
      authorName: "alice",
      message: "hello world",
      at: T1,
    },
  }]);
});

Deno.test("Post decider - CreatePost on an existing post is refused (never created twice)", () => {
  spec.given([created(alice)]).when(createPost(bob, "again")).thenThrows(PostAlreadyExists);
});

Deno.test("Post decider - CreatePost trims the message", () => {
  const [event] = postDecider.decide(createPost(alice, "  \n hello world \t "), initialState());
  assert.equal(event.type, "PostCreated");
  assert.equal((event as Extract<PostEvent, { type: "PostCreated" }>).data.message, "hello world");
});

Deno.test("Post decider - CreatePost with an empty message fails naming the message field", () => {
  spec.given([]).when(createPost(alice, "")).thenThrows(ValidationFailed, namesField("message"));
});

Deno.test("Post decider - CreatePost with a whitespace-only message fails validation", () => {
  spec.given([]).when(createPost(alice, "   \n\t  ")).thenThrows(
    ValidationFailed,
    namesField("message"),
  );
});

Deno.test("Post decider - CreatePost with 2001 characters fails validation", () => {
  spec.given([]).when(createPost(alice, "a".repeat(2001))).thenThrows(
    ValidationFailed,
    namesField("message"),
  );
});

Deno.test("Post decider - CreatePost with exactly 2000 characters is accepted", () => {
  const message = "a".repeat(2000);
  spec.given([]).when(createPost(alice, message)).then([{
    type: "PostCreated",
    data: { postId: POST, author: alice.userId, authorName: "alice", message, at: T1 },
  }]);
});

Deno.test("Post decider - CreatePost counts the length after trimming", () => {
  const message = "a".repeat(2000);
  const [event] = postDecider.decide(createPost(alice, `   ${message}   `), initialState());
  assert.equal((event as Extract<PostEvent, { type: "PostCreated" }>).data.message, message);
});

// =========================================================== EditMessage

Deno.test("Post decider - EditMessage by the author updates the message", () => {
  spec.given([created(alice)]).when(editMessage(alice, "edited")).then([
    messageUpdated("edited"),
  ]);
});

Deno.test("Post decider - EditMessage trims the new message", () => {
  spec.given([created(alice)]).when(editMessage(alice, "  edited  ")).then([
    messageUpdated("edited"),
  ]);
});

Deno.test("Post decider - EditMessage by someone else fails with NotAuthor", () => {
  spec.given([created(alice)]).when(editMessage(bob, "hijacked")).thenThrows(NotAuthor);
});

Deno.test("Post decider - EditMessage on an unknown post fails with PostNotFound", () => {
  spec.given([]).when(editMessage(alice, "edited")).thenThrows(PostNotFound, (error) => {
    assert.equal((error as PostNotFound).postId, POST);
    assert.equal((error as PostNotFound).status, 404);
  });
});

Deno.test("Post decider - EditMessage on a removed post fails with PostRemoved", () => {
  spec.given([created(alice), removed(alice)]).when(editMessage(alice, "edited")).thenThrows(
    PostRemoved,
    (error) => assert.equal((error as PostRemoved).postId, POST),
  );
});

Deno.test("Post decider - EditMessage with a stale expectedVersion fails with VersionMismatch", () => {
  spec.given([created(alice), liked(bob)]).when(editMessage(alice, "edited", 1)).thenThrows(
    VersionMismatch,
    (error) => {
      assert.equal((error as VersionMismatch).expected, 1);
      assert.equal((error as VersionMismatch).actual, 2);
      assert.equal((error as VersionMismatch).status, 412);
    },
  );
});

Deno.test("Post decider - EditMessage with the matching expectedVersion is accepted", () => {
  spec.given([created(alice), liked(bob)]).when(editMessage(alice, "edited", 2)).then([
    messageUpdated("edited"),
  ]);
});

Deno.test("Post decider - EditMessage with the same text changes nothing", () => {
  spec.given([created(alice, "hello world")]).when(editMessage(alice, "hello world"))
    .thenNothingHappened();
});

Deno.test("Post decider - EditMessage with the same text after trimming changes nothing", () => {
  spec.given([created(alice, "hello world")]).when(editMessage(alice, "  hello world "))
    .thenNothingHappened();
});

Deno.test("Post decider - EditMessage to an empty message fails naming the message field", () => {
  spec.given([created(alice)]).when(editMessage(alice, "  ")).thenThrows(
    ValidationFailed,
    namesField("message"),
  );
});

Deno.test("Post decider - EditMessage to 2001 characters fails validation", () => {
  spec.given([created(alice)]).when(editMessage(alice, "b".repeat(2001))).thenThrows(
    ValidationFailed,
    namesField("message"),
  );
});

// ============================================================== LikePost

Deno.test("Post decider - LikePost records the like", () => {
  spec.given([created(alice)]).when(likePost(bob)).then([liked(bob, T1)]);
});

Deno.test("Post decider - LikePost a second time by the same user changes nothing", () => {
  spec.given([created(alice), liked(bob)]).when(likePost(bob)).thenNothingHappened();
});

Deno.test("Post decider - LikePost by two different users records both likes", () => {
  spec.given([created(alice), liked(bob)]).when(likePost(carol)).then([liked(carol, T1)]);
  const state = existing(fold([created(alice), liked(bob), liked(carol)]));
  assert.deepEqual(state.likers, new Set([bob.userId, carol.userId]));
});

Deno.test("Post decider - LikePost on a removed post fails with PostRemoved", () => {
  spec.given([created(alice), removed(alice)]).when(likePost(bob)).thenThrows(PostRemoved);
});

Deno.test("Post decider - LikePost on an unknown post fails with PostNotFound", () => {
  spec.given([]).when(likePost(bob)).thenThrows(PostNotFound);
});

// ============================================================ UnlikePost

Deno.test("Post decider - UnlikePost after a like records the unlike", () => {
  spec.given([created(alice), liked(bob)]).when(unlikePost(bob)).then([unliked(bob, T1)]);
});

Deno.test("Post decider - UnlikePost without a like changes nothing", () => {
  spec.given([created(alice)]).when(unlikePost(bob)).thenNothingHappened();
});

Deno.test("Post decider - UnlikePost by a user who did not like changes nothing", () => {
  spec.given([created(alice), liked(bob)]).when(unlikePost(carol)).thenNothingHappened();
});

Deno.test("Post decider - UnlikePost twice changes nothing the second time", () => {
  spec.given([created(alice), liked(bob), unliked(bob)]).when(unlikePost(bob))
    .thenNothingHappened();
});

Deno.test("Post decider - after an unlike the user can like again", () => {
  spec.given([created(alice), liked(bob), unliked(bob)]).when(likePost(bob)).then([
    liked(bob, T1),
  ]);
});

Deno.test("Post decider - UnlikePost on an unknown post fails with PostNotFound", () => {
  spec.given([]).when(unlikePost(bob)).thenThrows(PostNotFound);
});

// ============================================================ AddComment

Deno.test("Post decider - AddComment records the comment with the chosen id", () => {
  spec.given([created(alice)]).when(addComment(bob, "nice post")).then([
    commentAdded(bob, C1, "nice post", T1),
  ]);
});

Deno.test("Post decider - AddComment trims the comment", () => {
  spec.given([created(alice)]).when(addComment(bob, "  nice post\n")).then([
    commentAdded(bob, C1, "nice post", T1),
  ]);
});

Deno.test("Post decider - AddComment on a removed post fails with PostRemoved", () => {
  spec.given([created(alice), removed(alice)]).when(addComment(bob, "too late")).thenThrows(
    PostRemoved,
  );
});

Deno.test("Post decider - AddComment on an unknown post fails with PostNotFound", () => {
  spec.given([]).when(addComment(bob, "hello?")).thenThrows(PostNotFound);
});

Deno.test("Post decider - AddComment with an empty comment fails naming the comment field", () => {
  spec.given([created(alice)]).when(addComment(bob, "")).thenThrows(
    ValidationFailed,
    namesField("comment"),
  );
});

Deno.test("Post decider - AddComment with a whitespace-only comment fails validation", () => {
  spec.given([created(alice)]).when(addComment(bob, " \n ")).thenThrows(
    ValidationFailed,
    namesField("comment"),
  );
});

Deno.test("Post decider - AddComment with 1001 characters fails validation", () => {
  spec.given([created(alice)]).when(addComment(bob, "c".repeat(1001))).thenThrows(
    ValidationFailed,
    namesField("comment"),
  );
});

Deno.test("Post decider - AddComment with exactly 1000 characters is accepted", () => {
  const comment = "c".repeat(1000);
  spec.given([created(alice)]).when(addComment(bob, comment)).then([
    commentAdded(bob, C1, comment, T1),
  ]);
});

// =========================================================== EditComment

Deno.test("Post decider - EditComment by the comment's author updates it", () => {
  spec.given([created(alice), commentAdded(bob)]).when(editComment(bob, C1, "better")).then([
    commentUpdated(C1, "better"),
  ]);
});

Deno.test("Post decider - EditComment by the post's author fails with NotAuthor", () => {
  spec.given([created(alice), commentAdded(bob)]).when(editComment(alice, C1, "censored"))
    .thenThrows(NotAuthor);
});

Deno.test("Post decider - EditComment by a third user fails with NotAuthor", () => {
  spec.given([created(alice), commentAdded(bob)]).when(editComment(carol, C1, "mine now"))
    .thenThrows(NotAuthor);
});

Deno.test("Post decider - EditComment of an unknown comment fails with CommentNotFound", () => {
  spec.given([created(alice), commentAdded(bob)]).when(
    editComment(bob, UNKNOWN_COMMENT, "edited"),
  ).thenThrows(
    CommentNotFound,
    (error) => assert.equal((error as CommentNotFound).commentId, UNKNOWN_COMMENT),
  );
});

Deno.test("Post decider - EditComment of a removed comment fails with CommentNotFound", () => {
  spec.given([created(alice), commentAdded(bob), commentRemoved(C1, bob)]).when(
    editComment(bob, C1, "edited"),
  ).thenThrows(CommentNotFound);
});

Deno.test("Post decider - EditComment on a removed post fails with PostRemoved", () => {
  spec.given([created(alice), commentAdded(bob), removed(alice)]).when(
    editComment(bob, C1, "edited"),
  ).thenThrows(PostRemoved);
});

Deno.test("Post decider - EditComment with the same text changes nothing", () => {
  spec.given([created(alice), commentAdded(bob, C1, "nice post")]).when(
    editComment(bob, C1, " nice post "),
  ).thenNothingHappened();
});

Deno.test("Post decider - EditComment to an empty comment fails naming the comment field", () => {
  spec.given([created(alice), commentAdded(bob)]).when(editComment(bob, C1, "   ")).thenThrows(
    ValidationFailed,
    namesField("comment"),
  );
});

Deno.test("Post decider - EditComment to 1001 characters fails validation", () => {
  spec.given([created(alice), commentAdded(bob)]).when(editComment(bob, C1, "d".repeat(1001)))
    .thenThrows(ValidationFailed, namesField("comment"));
});

// ========================================================= RemoveComment

Deno.test("Post decider - RemoveComment by the comment's author removes it", () => {
  spec.given([created(alice), commentAdded(bob)]).when(removeComment(bob, C1)).then([
    commentRemoved(C1, bob, T1),
  ]);
});

Deno.test("Post decider - RemoveComment by the post's author (moderation) removes it", () => {
  spec.given([created(alice), commentAdded(bob)]).when(removeComment(alice, C1)).then([
    commentRemoved(C1, alice, T1),
  ]);
});

Deno.test("Post decider - RemoveComment by a third user fails with NotAuthor", () => {
  spec.given([created(alice), commentAdded(bob)]).when(removeComment(carol, C1)).thenThrows(
    NotAuthor,
  );
});

Deno.test("Post decider - RemoveComment twice fails with CommentNotFound", () => {
  spec.given([created(alice), commentAdded(bob), commentRemoved(C1, bob)]).when(
    removeComment(bob, C1),
  ).thenThrows(CommentNotFound, (error) => assert.equal((error as CommentNotFound).commentId, C1));
});

Deno.test("Post decider - RemoveComment of an unknown comment fails with CommentNotFound", () => {
  spec.given([created(alice)]).when(removeComment(alice, UNKNOWN_COMMENT)).thenThrows(
    CommentNotFound,
  );
});

Deno.test("Post decider - RemoveComment leaves the other comments alone", () => {
  const state = existing(fold([
    created(alice),
    commentAdded(bob, C1),
    commentAdded(carol, C2, "second"),
    commentRemoved(C1, alice),
  ]));
  assert.deepEqual([...state.comments.keys()], [C2]);
});

// ============================================================ DeletePost

Deno.test("Post decider - DeletePost by the author removes the post", () => {
  spec.given([created(alice)]).when(deletePost(alice)).then([removed(alice, T1)]);
});

Deno.test("Post decider - DeletePost by someone else fails with NotAuthor", () => {
  spec.given([created(alice)]).when(deletePost(bob)).thenThrows(NotAuthor, (error) => {
    assert.equal((error as NotAuthor).status, 403);
  });
});

Deno.test("Post decider - DeletePost of an already removed post fails with PostRemoved", () => {
  spec.given([created(alice), removed(alice)]).when(deletePost(alice)).thenThrows(PostRemoved);
});

Deno.test("Post decider - DeletePost of an unknown post fails with PostNotFound", () => {
  spec.given([]).when(deletePost(alice)).thenThrows(PostNotFound);
});

{
  // After removal every command fails with PostRemoved, even one that would
  // otherwise be allowed (each actor below is the one entitled to act).
  const history = [created(alice), liked(bob), commentAdded(bob, C1), removed(alice)];
  const afterRemoval: PostDecision[] = [
    editMessage(alice, "edited"),
    likePost(carol),
    likePost(bob),
    unlikePost(bob),
    unlikePost(carol),
    addComment(bob, "too late", C2),
    editComment(bob, C1, "edited"),
    removeComment(bob, C1),
    removeComment(alice, C1),
    deletePost(alice),
  ];
  for (const command of afterRemoval) {
    Deno.test(
      `Post decider - after DeletePost, ${command.type} by ${command.actor.username} fails with PostRemoved`,
      () => spec.given(history).when(command).thenThrows(PostRemoved),
    );
  }
}

// ======================================================= evolve and fold

Deno.test("Post decider - initial state has no post and version 0", () => {
  assert.deepEqual(initialState(), { status: "none", version: 0 });
});

Deno.test("Post decider - version counts every applied event", () => {
  const events = [
    created(alice),
    liked(bob),
    unliked(bob),
    commentAdded(carol),
    commentUpdated(C1, "edited"),
    commentRemoved(C1, alice),
    messageUpdated("edited"),
    removed(alice),
  ];
  for (let n = 0; n <= events.length; n++) {
    assert.equal(fold(events.slice(0, n)).version, n);
  }
});

Deno.test("Post decider - likers is the set of users who currently like the post", () => {
  const state = existing(fold([
    created(alice),
    liked(bob),
    liked(carol),
    unliked(bob),
    liked(alice),
  ]));
  assert.deepEqual(state.likers, new Set([carol.userId, alice.userId]));
});

Deno.test("Post decider - comments map follows add, edit and remove", () => {
  const added = existing(fold([created(alice), commentAdded(bob, C1, "first")]));
  assert.deepEqual(added.comments.get(C1), {
    author: bob.userId,
    authorName: "bob",
    comment: "first",
    createdAt: T0,
    updatedAt: null,
  });

  const edited = existing(fold([commentUpdated(C1, "first, edited")], added));
  assert.deepEqual(edited.comments.get(C1), {
    author: bob.userId,
    authorName: "bob",
    comment: "first, edited",
    createdAt: T0,
    updatedAt: T1,
  });

  const gone = existing(fold([commentRemoved(C1, bob)], edited));
  assert.equal(gone.comments.has(C1), false);
  assert.equal(gone.comments.size, 0);
});

Deno.test("Post decider - MessageUpdated and PostRemoved keep the rest of the post", () => {
  const state = existing(fold([created(alice, "before"), messageUpdated("after"), removed(alice)]));
  assert.equal(state.status, "removed");
  assert.equal(state.message, "after");
  assert.equal(state.updatedAt, T1);
  assert.equal(state.createdAt, T0);
  assert.equal(state.author, alice.userId);
  assert.equal(state.authorName, "alice");
});

Deno.test("Post decider - folding from a snapshot equals folding from scratch", () => {
  const events = [created(alice), liked(bob), commentAdded(carol), messageUpdated("edited")];
  const snapshot = fold(events.slice(0, 2));
  assert.deepEqual(fold(events.slice(2), snapshot), fold(events));
});

Deno.test("Post decider - evolve never mutates the previous state", () => {
  const before = existing(fold([created(alice), liked(bob), commentAdded(carol)]));
  const likers = [...before.likers];
  const comments = [...before.comments.keys()];
  fold([liked(carol), unliked(bob), commentRemoved(C1, carol), removed(alice)], before);
  assert.deepEqual([...before.likers], likers);
  assert.deepEqual([...before.comments.keys()], comments);
  assert.equal(before.status, "active");
  assert.equal(before.version, 3);
});

Deno.test("Post decider - a state changed in place ends where fold does; fold's source is untouched", () => {
  const history = [created(alice), liked(bob), commentAdded(carol)];
  const later = [liked(carol), unliked(bob), commentRemoved(C1, carol), messageUpdated("edited")];
  const before = fold(history);
  const owned = fold(history); // a state of our own, as a writer keeps it
  let state = owned;
  for (const event of later) state = applyInPlace(state, [event]);
  assert.equal(state, owned, "changed in place");
  assert.deepEqual(state, fold(later, before));
  assert.deepEqual(before, fold(history), "fold copied it, so the source stays as it was");
});

Deno.test("Post decider - every event the decider produces passes its schema", () => {
  const decisions: Array<[PostEvent[], PostDecision]> = [
    [[], createPost(alice, "hello")],
    [[created(alice)], editMessage(alice, "edited", 1)],
    [[created(alice)], likePost(bob)],
    [[created(alice), liked(bob)], unlikePost(bob)],
    [[created(alice)], addComment(bob, "nice")],
    [[created(alice), commentAdded(bob)], editComment(bob, C1, "nicer")],
    [[created(alice), commentAdded(bob)], removeComment(alice, C1)],
    [[created(alice)], deletePost(alice)],
  ];
  for (const [given, command] of decisions) {
    const events = postDecider.decide(command, fold(given));
    assert.equal(events.length, 1, command.type);
    for (const event of events) validateEvent(event);
  }
});

Deno.test("Post decider - fold of 100,000 events: one working copy, same state as evolve step by step", () => {
  // Evolving one event at a time copies likers and comments per event (quadratic:
  // minutes at this size); fold copies them once, so this finishes in well under a second.
  const events: PostEvent[] = [created(alice)];
  let lastLiker = bob;
  for (let i = 1; i < 100_000; i++) {
    const user = { ...bob, userId: crypto.randomUUID() };
    if (i % 4 === 1) events.push(commentAdded(user, crypto.randomUUID(), `comment ${i}`));
    else if (i % 4 === 3) events.push(unliked(lastLiker)); // takes back the like just before
    else events.push(liked(lastLiker = user));
  }
  const before = existing(fold(events.slice(0, 1_000)));
  const state = existing(fold(events.slice(1_000), before));
  assert.equal(state.version, 100_000);
  assert.equal(state.likers.size, 24_999); // 49,999 likes, 25,000 taken back
  assert.equal(state.comments.size, 25_000);
  assert.equal(before.version, 1_000, "the state folded from is unchanged");
  const stepwise = events.slice(0, 2_000).reduce(postDecider.evolve, initialState());
  assert.deepEqual(fold(events.slice(0, 2_000)), stepwise);
});
