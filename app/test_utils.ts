import type { Actor } from "../domain/mod.ts";
import { adminCommandHandlers } from "./admin_handlers.ts";
import { backgroundTasks } from "./background.ts";
import { requestContext } from "./context.ts";
import { inMemoryEventStore } from "./in_memory_event_store.ts";
import { createMediator } from "./mediator.ts";
import type {
  CredentialStore,
  EventStore,
  PasswordHasher,
  ProjectionAdmin,
  ReadModelRestorer,
  Session,
  SessionStore,
  Snapshot,
  SnapshotChange,
  SnapshotStore,
} from "./ports.ts";
import { postCommandHandlers } from "./post_handlers.ts";
import { signInThrottle } from "./sign_in_throttle.ts";
import { userCommandHandlers } from "./user_handlers.ts";

/** A stand-in for the slow KDF: tests of the handlers need its contract, not its cost. */
export const plainHasher: PasswordHasher = {
  hash: (password) => Promise.resolve(`plain:${password}`),
  verify: (password, hash) => Promise.resolve(hash === `plain:${password}`),
};

/** Password hashes in a Map. */
export function inMemoryCredentials(): CredentialStore & { readonly size: () => number } {
  const hashes = new Map<string, string>();
  return {
    save: (userId, hash) => Promise.resolve(void hashes.set(userId, hash)),
    find: (userId) => Promise.resolve(hashes.get(userId) ?? null),
    delete: (userId) => Promise.resolve(void hashes.delete(userId)),
    size: () => hashes.size,
  };
}

/** Sessions in a Map, valid for an hour. */
export function inMemorySessions(): SessionStore {
  const sessions = new Map<string, Session>();
  return {
    create(user) {
      const id = crypto.randomUUID();
      const expiresAt = new Date(Date.now() + 3_600_000);
      sessions.set(id, { ...user, expiresAt });
      return Promise.resolve({ id, expiresAt });
    },
    find: (id) => Promise.resolve(sessions.get(id) ?? null),
    delete: (id) => Promise.resolve(void sessions.delete(id)),
  };
}

/** Snapshots in Maps, with the PostgreSQL store's rules for `save`, keeping each change saved. */
export function inMemorySnapshots(): SnapshotStore & { readonly saves: SnapshotChange[] } {
  const heads = new Map<string, Omit<Snapshot, "entries">>();
  const entries = new Map<string, Map<string, unknown>>();
  const saves: SnapshotChange[] = [];
  return {
    load(streamId, keys) {
      const head = heads.get(streamId);
      if (!head) return Promise.resolve(null);
      const stored = entries.get(streamId) ?? new Map();
      const found = keys.filter((key) => stored.has(key)).map((key) =>
        [key, stored.get(key)] as const
      );
      return Promise.resolve(structuredClone({ ...head, entries: found }));
    },
    save(change) {
      const { base, upserts, removals, ...head } = change;
      const current = heads.get(change.streamId);
      const applies = base === null
        ? !current || current.version < change.version ||
          current.schemaVersion !== change.schemaVersion
        : current?.version === base && current.schemaVersion === change.schemaVersion;
      if (!applies) return Promise.resolve(false);
      saves.push(structuredClone(change));
      heads.set(change.streamId, structuredClone(head));
      const stored = base === null ? new Map() : entries.get(change.streamId) ?? new Map();
      for (const key of removals) stored.delete(key);
      for (const [key, value] of upserts) stored.set(key, structuredClone(value));
      entries.set(change.streamId, stored);
      return Promise.resolve(true);
    },
    saves,
  };
}

/** A restorer that records who asked; the real one is tested with PostgreSQL in infra/. */
function recordingRestorer(): ReadModelRestorer & { readonly requestedBy: string[] } {
  const requestedBy: string[] = [];
  return {
    start(options) {
      requestedBy.push(options.requestedBy);
      return Promise.resolve({ jobId: crypto.randomUUID() });
    },
    job: () => Promise.resolve(null),
    requestedBy,
  };
}

const noProjections: ProjectionAdmin = {
  status: () =>
    Promise.resolve({
      storePosition: 0,
      appliedPosition: 0,
      lagEvents: 0,
      lagMs: 0,
      checkpoints: [],
      deadLetters: [],
      lastRestore: null,
    }),
  retryDeadLetter: () => Promise.resolve(false),
};

/**
 * The whole command side of one process on an EventStore (in memory unless
 * given): the real mediator and handlers, with the other ports in memory.
 * Two of them on one store behave as two processes writing one database.
 *
 * @example
 * ```ts
 * const { mediator, register } = commandSide();
 * const alice = await register("alice");
 * await mediator.send({ type: "CreatePost", message: "hi" }, requestContext({ actor: alice }));
 * ```
 */
export function commandSide(
  options: {
    store?: EventStore;
    snapshots?: SnapshotStore;
    snapshotEvery?: number;
    cachedStreams?: number;
  } = {},
) {
  const store = options.store ?? inMemoryEventStore();
  const background = backgroundTasks();
  const credentials = inMemoryCredentials();
  const restorer = recordingRestorer();
  const mediator = createMediator({
    side: "command",
    commands: [
      ...postCommandHandlers({
        store,
        snapshots: options.snapshots,
        snapshotEvery: options.snapshotEvery,
        cachedStreams: options.cachedStreams,
        background,
      }),
      ...userCommandHandlers({
        store,
        hasher: plainHasher,
        credentials,
        sessions: inMemorySessions(),
        throttle: signInThrottle({ maxFailures: 10, windowSeconds: 900 }),
      }),
      ...adminCommandHandlers({ restorer, projections: noProjections }),
    ],
  });
  const register = async (username: string): Promise<Actor> => {
    const { userId } = await mediator.send(
      { type: "RegisterUser", username, password: "password-1" },
      requestContext(),
    );
    return { userId, username, isAdmin: false };
  };
  // Snapshots move forward in the background: a test looking at them waits for it first.
  return { store, mediator, credentials, restorer, register, settled: background.settled };
}
