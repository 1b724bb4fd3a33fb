import type {
  AnyEvent,
  EventMetadata,
  PostDetail,
  PostPage,
  RecordedEvent,
} from "../domain/mod.ts";

/**
 * What a writer expects of a stream before appending:
 * `0` means the stream must not exist yet, `n` means it must be exactly at
 * version `n`, `"any"` appends whatever the version.
 */
export type ExpectedVersion = number | "any";

/** An event on its way into the store. */
export type NewEvent = {
  readonly eventId: string;
  readonly event: AnyEvent;
  readonly metadata: EventMetadata;
};

/** Where an append landed. */
export type AppendResult = {
  /** Stream version after the append (the version of its last event). */
  readonly nextExpectedVersion: number;
  /** Global positions of the appended events, in order. */
  readonly positions: readonly number[];
  /** True when every event id was already stored: nothing was written again. */
  readonly duplicate: boolean;
};

/**
 * The event store port the application needs: streams, appended to and read
 * back. infra/postgres implements it (the pipeline's whole-store reading is
 * infra's own, `infra/postgres/read_all.ts`); `inMemoryEventStore` too, for
 * the application's tests.
 *
 * @example
 * ```ts
 * const { nextExpectedVersion } = await store.append(postStreamId(postId), events, { expectedVersion: 0 });
 * ```
 */
export interface EventStore {
  /**
   * Appends atomically. Throws ConcurrencyError when the stream is not at the
   * expected version. Re-appending already stored event ids returns their
   * original positions instead.
   */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult>;
  /** The stream's events in version order, from `fromVersion` (default 1) up to `toVersion`. */
  readStream(
    streamId: string,
    options?: { fromVersion?: number; toVersion?: number },
  ): Promise<RecordedEvent<AnyEvent>[]>;
}

/** Password hashing with a slow KDF; the hash string describes its own parameters. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

/**
 * Where a restore job is: rebuilding, swapping the tables in, or finished.
 *
 * @example
 * ```ts
 * const finished = (s: RestoreStatus) => s === "done" || s === "failed";
 * ```
 */
export type RestoreStatus = "running" | "swapping" | "done" | "failed";

/**
 * A restore job's progress, as the admin page and the CLI show it.
 *
 * @example
 * ```ts
 * const job = await restorer.job(jobId);
 * console.log(`${job?.percent}% ${job?.done}/${job?.total} events`);
 * ```
 */
export type RestoreJob = {
  readonly id: string;
  readonly status: RestoreStatus;
  readonly requestedBy: string;
  /** Events in the store when the job started; grows if more arrive while it runs. */
  readonly total: number;
  /** Events applied to the new tables so far. */
  readonly done: number;
  /** 0..100; 100 once done. */
  readonly percent: number;
  readonly error: string | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
};

/** Rebuilds the read store from the event store in the background. */
export interface ReadModelRestorer {
  /** Starts a restore job (or returns the one already running). */
  start(options: { requestedBy: string }): Promise<{ jobId: string }>;
  /** A job's progress, or null for an unknown id. */
  job(jobId: string): Promise<RestoreJob | null>;
}

/** A filter on the feed; every field narrows it. */
export type PostFilter = {
  author?: string;
  /** A `#tag` in the message (without the `#`). */
  tag?: string;
  withComments?: boolean;
  minLikes?: number;
};

/**
 * The read store port: projection tables only, never a replay. Infra's
 * Postgres read store implements it.
 */
export interface ReadStore {
  /** Newest first, keyset pagination with an opaque cursor. */
  findPosts(
    filter: PostFilter,
    page: { limit: number; cursor?: string },
  ): Promise<PostPage>;
  /** A live post with its comments, and whether `viewerId` liked it. */
  findPost(
    postId: string,
    viewerId: string | null,
  ): Promise<PostDetail | null>;
  /** Those of `postIds` that `userId` likes. */
  likedPostIds(userId: string, postIds: string[]): Promise<string[]>;
  /** Whether a user with this (lower-case) username is registered. */
  userExists(username: string): Promise<boolean>;
  /** Resolves true once the projector has applied `position`, false after `timeoutMs`. */
  waitForPosition(position: number, timeoutMs: number): Promise<boolean>;
  /** Highest global position the projector has applied. */
  appliedPosition(): Promise<number>;
  /**
   * Grows with every committed change of the projection tables: what was
   * read at one generation holds while it is current.
   */
  generation(): Promise<number>;
}

/**
 * Password hashes, kept on the write side in their own table: never in an
 * event, so never in Kafka, the read store or a backup of the log.
 */
export interface CredentialStore {
  save(userId: string, passwordHash: string): Promise<void>;
  /** The user's hash, or null when none is stored. */
  find(userId: string): Promise<string | null>;
  delete(userId: string): Promise<void>;
}

/** A signed-in session as the web edge sees it. */
export type Session = { userId: string; username: string; expiresAt: Date };

/** Server-side sessions: the cookie holds a random id, the store a hash of it. */
export interface SessionStore {
  /** Creates a session and returns its id (for the cookie only). */
  create(user: { userId: string; username: string }): Promise<{ id: string; expiresAt: Date }>;
  /** The live session: neither expired nor idle too long nor signed out; touching it counts as use. */
  find(id: string): Promise<Session | null>;
  delete(id: string): Promise<void>;
}

/** One partition checkpoint of the projector. */
export type CheckpointView = {
  consumerGroup: string;
  topic: string;
  partition: number;
  nextOffset: number;
  updatedAt: string;
};

/** An event the projector could not apply. */
export type DeadLetterView = {
  id: number;
  eventId: string;
  streamId: string;
  streamVersion: number | null;
  globalPosition: number | null;
  eventType: string;
  error: string;
  attempts: number;
  createdAt: string;
};

/** How far the read side is behind the event store. */
export type ProjectionStatus = {
  /** Highest position in the event store. */
  storePosition: number;
  /** Highest position the projector applied. */
  appliedPosition: number;
  /** Events in the store not yet applied. */
  lagEvents: number;
  /** Age of the oldest event not yet applied, 0 when caught up. */
  lagMs: number;
  checkpoints: CheckpointView[];
  deadLetters: DeadLetterView[];
  /** The latest Restore read DB job, if any ran. */
  lastRestore: { id: string; status: string; percent: number } | null;
};

/** Operations on the projector's bookkeeping, for administrators. */
export interface ProjectionAdmin {
  status(): Promise<ProjectionStatus>;
  /** Re-projects the dead letter's stream from the event store; true when it applied. */
  retryDeadLetter(id: number): Promise<boolean>;
}

/**
 * A stream's state as of `version`, as its aggregate's snapshot shape keeps
 * it: the head, and the entries that were asked for (a key the snapshot has
 * no entry for is left out).
 */
export type Snapshot = {
  streamId: string;
  version: number;
  /** Global position of the event at `version` (read-your-writes for a no-op). */
  position: number;
  schemaVersion: number;
  head: unknown;
  entries: ReadonlyArray<readonly [string, unknown]>;
};

/** A snapshot moved to a later version: its new head, and the entries that changed. */
export type SnapshotChange = Omit<Snapshot, "entries"> & {
  /**
   * The version of the stored snapshot this one builds on, or null for one
   * folded from the stream's first event, which replaces any older snapshot and
   * all its entries.
   */
  base: number | null;
  upserts: ReadonlyArray<readonly [string, unknown]>;
  removals: readonly string[];
};

/**
 * Snapshots of long streams; derived data. A head may be dropped at any time
 * (its entries go with it), entries alone never: a head without its likers
 * would take every liker for a new one.
 */
export interface SnapshotStore {
  /** The latest snapshot's head and those of its entries named by `keys`, read together. */
  load(streamId: string, keys: readonly string[]): Promise<Snapshot | null>;
  /**
   * Applies the change in one transaction if the stored snapshot is still the
   * one it builds on (same version and schema; for a null base, none, an older
   * one, or one of another schema). False, with nothing written, when another
   * writer moved it first.
   */
  save(change: SnapshotChange): Promise<boolean>;
}
