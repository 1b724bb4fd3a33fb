/**
 * The pure domain: aggregates as deciders, their commands, events, queries
 * and the named errors. No I/O and nothing from infra/.
 *
 * @module
 */
export type { Actor, Stamp } from "./actor.ts";
export type { DomainEvent, EventMetadata, RecordedEvent } from "./event.ts";
export {
  AppError,
  CommentNotFound,
  ConcurrencyError,
  Forbidden,
  InvalidCredentials,
  NotAuthor,
  PostAlreadyExists,
  PostNotFound,
  PostRemoved,
  TooManyAttempts,
  Unauthenticated,
  UsernameTaken,
  UserNotFound,
  ValidationFailed,
  VersionMismatch,
} from "./errors.ts";
export type { Decider, SnapshotShape } from "./decider.ts";
export { foldWith } from "./decider.ts";
export { parseStreamId, postIdOf, postStreamId, streamTypeOf, userStreamId } from "./streams.ts";
export type { ParsedStreamId, StreamKind } from "./streams.ts";
export {
  isEventType,
  isPostEvent,
  isUserEvent,
  readEvent,
  schemaVersions,
  UnreadableEvent,
  upcasters,
  validateEvent,
} from "./catalog.ts";
export type { AnyEvent, EventType, Upcaster, Upcasters } from "./catalog.ts";
export { COMMENT_MAX, MESSAGE_MAX, postCommandSchemas } from "./post/commands.ts";
export type { PostCommand, PostDecision, PostIntent } from "./post/commands.ts";
export { postEventSchemas } from "./post/events.ts";
export type { PostEvent, PostEventOf, PostEventType } from "./post/events.ts";
export { fold as foldPost, postDecider } from "./post/decider.ts";
export type { CommentState, PostState } from "./post/decider.ts";
export { postSnapshotShape } from "./post/snapshot.ts";
export { password, PASSWORD_MAX, userCommandSchemas, username } from "./user/commands.ts";
export type { UserCommand, UserDecision } from "./user/commands.ts";
export { roleSchema, userEventSchemas } from "./user/events.ts";
export type { Role, UserEvent } from "./user/events.ts";
export { fold as foldUser, userDecider } from "./user/decider.ts";
export type { UserState } from "./user/decider.ts";
export { querySchemas } from "./queries.ts";
export type {
  CommentView,
  HistoryEntry,
  PostAsOf,
  PostDetail,
  PostPage,
  PostSummary,
  Query,
  QueryInput,
} from "./queries.ts";
