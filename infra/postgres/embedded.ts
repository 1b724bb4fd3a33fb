/**
 * The embedded PostgreSQL of the zero-setup mode: PGlite (PostgreSQL compiled
 * to WebAssembly, one single-user backend in this process) keeps its files in
 * `dataDir` and is served on 127.0.0.1 over the PostgreSQL wire protocol, so
 * the project's postgres.js code runs against it unchanged.
 *
 * PGlite has ONE session. pglite-socket's own server (PGLiteSocketServer, as
 * pinned in deno.json) multiplexes clients message by message: with more
 * than one connection, postgres.js' extended-protocol messages
 * (Parse/Bind/Execute/Sync) of two connections interleave and fail with
 * `portal "" does not exist`; with one connection, postgres.js cannot open its
 * LISTEN connection and the relay's reserved leader connection starves every
 * other query. So this module keeps pglite-socket's connection handler
 * (framing, SSL refusal, cancel requests, socket life cycle) and schedules
 * the one session itself:
 *
 * - a unit (a simple Query, or extended-protocol messages up to their Sync)
 *   runs whole, never interleaved with another connection's messages;
 * - an open transaction belongs to its connection: other connections wait
 *   until it commits or rolls back, except a read-only statement (SELECT,
 *   SHOW, VALUES, a WITH without writes, judged by its first statement)
 *   waiting while the transaction's connection has been idle for 20 ms: it
 *   runs inside that transaction, with the default search_path, under a
 *   savepoint rolled back right after it (it only read, and its error cannot
 *   abort the owner). That is what a transaction waiting for a read on a
 *   second connection looks like (the projector's gap filling, Restore read
 *   DB's swap) and would otherwise never end. Such a read may see the
 *   transaction's uncommitted rows. A transaction that waits for a WRITE on
 *   another connection still deadlocks: the app has none;
 * - NOTIFY is delivered to every connection that LISTENs on the channel, and
 *   an UNLISTEN or a closed connection ends only its own subscriptions;
 * - a connection that goes away mid-unit or mid-transaction is rolled back.
 *
 * Session-level state is shared by all connections: advisory locks always
 * succeed for every connection (no mutual exclusion between them: run one
 * process per data folder, which the lock file next to it enforces), and SET
 * without LOCAL affects everyone. Statements run one at a time on the
 * JavaScript thread of this process.
 *
 * The first start on an empty folder runs initdb in WebAssembly (seconds);
 * later starts open the existing files quickly.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from "@electric-sql/pglite-socket";
import { type AddressInfo, createServer, type Socket } from "node:net";

/**
 * How long a transaction's connection must have been idle before a waiting
 * read-only statement of another connection runs inside it.
 */
const JOIN_IDLE_TRANSACTION_MS = 20;

/** Connections served at once (postgres.js pools of 10, their LISTEN connections, tools). */
const MAX_CONNECTIONS = 100;

/**
 * A running embedded PostgreSQL.
 *
 * @example
 * ```ts
 * const pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: ".data/pglite" });
 * logger.info("embedded PostgreSQL", { url: pg.url, data: pg.dataDir });
 * ```
 */
export type EmbeddedPostgres = {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, for `connect()` as it is. */
  readonly url: string;
  /** Where the database files live. */
  readonly dataDir: string;
  /** Closes the connections (rolling back open transactions), then the database. */
  stop(): Promise<void>;
};

/**
 * Starts PGlite on `dataDir` (created if missing; data survives restarts)
 * and serves it on 127.0.0.1:`port` (0, the default, picks a free port).
 * One process per data folder: a second start on the same folder fails while
 * the first runs. End the postgres.js pools before `stop()`.
 *
 * @example
 * ```ts
 * const pg = await startEmbeddedPostgres({ dataDir: ".data/pglite" });
 * const sql = connect(pg.url);
 * await migrate(sql, "event_store");
 * await sql.end();
 * await pg.stop();
 * ```
 */
export async function startEmbeddedPostgres(
  options: { dataDir: string; port?: number },
): Promise<EmbeddedPostgres> {
  const dataDir = options.dataDir.replace(/\/+$/, "");
  await Deno.mkdir(dataDir, { recursive: true });
  const lock = await lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir });
  } catch (error) {
    await lock.release();
    throw error;
  }

  const session = new SessionScheduler(db);
  const handlers = new Set<PGLiteSocketHandler>();
  const server = createServer((socket) => void accept(socket));
  server.maxConnections = MAX_CONNECTIONS;

  async function accept(socket: Socket): Promise<void> {
    const handler = new PGLiteSocketHandler({
      // The handler only calls enqueue / clearQueueForHandler / clearTransactionIfNeeded /
      // getQueueLength on its queue; the scheduler below implements those for the pinned version.
      queryQueue: session as unknown as PGLiteSocketHandlerOptions["queryQueue"],
      closeOnDetach: true,
    });
    handlers.add(handler);
    session.connect(handler.handlerId, (bytes) => {
      if (socket.writable) socket.write(bytes);
    });
    const forget = () => handlers.delete(handler);
    handler.addEventListener("close", forget);
    handler.addEventListener("error", forget);
    try {
      await handler.attach(socket);
    } catch {
      forget();
      socket.destroy();
      await session.clearTransactionIfNeeded(handler.handlerId);
    }
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await db.close();
    await lock.release();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | null = null;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...handlers].map((h) => h.detach(true)));
        handlers.clear();
        await closed;
        await session.close();
        await db.close();
        await lock.release();
      })();
      return stopped;
    },
  };
}

/** An exclusive lock on `<dataDir>.lock`: two PGlite processes on one folder would corrupt it. */
async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  const path = `${dataDir}.lock`;
  const file = await Deno.open(path, { create: true, write: true });
  if (!(await file.tryLock(true))) {
    file.close();
    throw new Error(`${dataDir} is in use by another process (lock file ${path})`);
  }
  return {
    async release() {
      await file.unlock().catch(() => {});
      file.close();
    },
  };
}

// The session scheduler -------------------------------------------------------

const PROTOCOL_3 = 196608;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

type Queued = {
  handler: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
};

/** Per connection: its prepared statements' SQL, its channels, how to reach it. */
type Connection = {
  statements: Map<string, string>;
  channels: Set<string>;
  write: (bytes: Uint8Array) => void;
};

/** A departed connection whose unit or transaction, then session state, must be cleaned up. */
type Cleanup = { handler: number; phase: 1 | 2; done: () => void };

/**
 * Runs the connections' messages on PGlite's one session, unit by unit, with
 * transaction ownership; see the module documentation for the rules.
 */
class SessionScheduler {
  readonly #db: PGlite;
  #queue: Queued[] = [];
  #cleanups: Cleanup[] = [];
  #connections = new Map<number, Connection>();
  #running = false;
  #closed = false;
  /** The connection in the middle of a unit (after Parse, before Sync). */
  #unitHolder: number | null = null;
  /** The current unit runs inside another connection's transaction, under a savepoint. */
  #nested = false;
  /** The current unit issued UNLISTEN: other connections' channels are listened again after it. */
  #unlistened = false;
  /** The connection whose explicit transaction is open, and since when it has been idle. */
  #txOwner: number | null = null;
  #idleSince = 0;
  #joinTimer: ReturnType<typeof setTimeout> | undefined;
  #idle: (() => void)[] = [];

  constructor(db: PGlite) {
    this.#db = db;
  }

  connect(handler: number, write: (bytes: Uint8Array) => void): void {
    this.#connections.set(handler, { statements: new Map(), channels: new Set(), write });
  }

  enqueue(handler: number, message: Uint8Array, onData: (data: Uint8Array) => void) {
    return new Promise<number>((resolve, reject) => {
      if (this.#closed) return reject(new Error("embedded PostgreSQL stopped"));
      this.#queue.push({ handler, message, onData, resolve, reject });
      this.#pump();
    });
  }

  getQueueLength(): number {
    return this.#queue.length;
  }

  clearQueueForHandler(handler: number): void {
    const gone = this.#queue.filter((q) => q.handler === handler);
    this.#queue = this.#queue.filter((q) => q.handler !== handler);
    for (const q of gone) q.reject(new Error("connection closed"));
  }

  /** Called when a connection detaches: ends its unit and transaction, then its session state. */
  clearTransactionIfNeeded(handler: number): Promise<void> {
    if (!this.#connections.has(handler) || this.#closed) return Promise.resolve();
    return new Promise<void>((done) => {
      this.#cleanups.push({ handler, phase: 1, done });
      this.#pump();
    });
  }

  /** Waits for the work in progress, then refuses everything. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#joinTimer);
    for (const q of this.#queue) q.reject(new Error("embedded PostgreSQL stopped"));
    this.#queue = [];
    for (const c of this.#cleanups) c.done();
    this.#cleanups = [];
    if (this.#running) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** One runner at a time; picking and stopping happen in the same tick, so no wake-up is lost. */
  #pump(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    (async () => {
      for (;;) {
        if (this.#closed) break;
        const cleanup = this.#cleanups.find((c) => this.#canClean(c));
        if (cleanup) {
          await this.#clean(cleanup);
          continue;
        }
        const next = this.#pick();
        if (!next) break;
        await this.#run(next.item, next.nested);
      }
      this.#running = false;
      this.#idle.splice(0).forEach((resolve) => resolve());
    })();
  }

  /** The next message allowed to run, or null (the caller waits for a new message). */
  #pick(): { item: Queued; nested: boolean } | null {
    const take = (i: number) => this.#queue.splice(i, 1)[0];
    if (this.#unitHolder !== null) {
      const i = this.#queue.findIndex((q) => q.handler === this.#unitHolder);
      return i < 0 ? null : { item: take(i), nested: false };
    }
    if (this.#txOwner === null) return this.#queue.length ? { item: take(0), nested: false } : null;
    const own = this.#queue.findIndex((q) => q.handler === this.#txOwner);
    if (own >= 0) return { item: take(own), nested: false };
    // The owner is idle inside its transaction. A new connection's startup never touches it.
    const startup = this.#queue.findIndex((q) => kindOf(q.message) === "startup");
    if (startup >= 0) return { item: take(startup), nested: false };
    const reader = this.#queue.findIndex((q) => this.#startsReadOnlyUnit(q));
    if (reader < 0) return null;
    const wait = this.#idleSince + JOIN_IDLE_TRANSACTION_MS - Date.now();
    if (wait <= 0) return { item: take(reader), nested: true };
    clearTimeout(this.#joinTimer);
    this.#joinTimer = setTimeout(() => this.#pump(), wait);
    return null;
  }

  async #run(item: Queued, nested: boolean): Promise<void> {
    const { handler, message } = item;
    const kind = kindOf(message);
    const connection = this.#connections.get(handler);
    if (kind === "X" || !connection) {
      item.resolve(0); // Terminate: the socket closes next and the cleanup follows
      return;
    }
    try {
      if (this.#unitHolder === null && kind !== "startup") {
        this.#unitHolder = handler;
        this.#unlistened = false;
        if (nested) {
          await this.#exec(JOIN);
          this.#nested = true;
        }
      }
      this.#track(connection, message, kind);
      const output = await this.#exec(message);
      // A statement that joined another connection's transaction, or a startup during one,
      // is not in a transaction of its own: its ReadyForQuery says idle.
      const borrowed = this.#nested || (this.#txOwner !== null && this.#txOwner !== handler);
      this.#inspect(handler, output, borrowed);
      item.onData(output);
      item.resolve(output.length);
      if (kind === "S" || kind === "Q") await this.#endUnit(handler);
    } catch (error) {
      item.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #endUnit(handler: number): Promise<void> {
    if (this.#unitHolder !== handler) return;
    this.#unitHolder = null;
    if (this.#nested) {
      this.#nested = false;
      await this.#exec(LEAVE);
      return;
    }
    this.#txOwner = this.#db.isInTransaction() ? handler : null;
    this.#idleSince = Date.now();
    if (this.#unlistened) await this.#relisten();
  }

  /** Remembers prepared statements (to classify a later Bind) and LISTEN / UNLISTEN. */
  #track(connection: Connection, message: Uint8Array, kind: string): void {
    let text: string | null = null;
    if (kind === "P") {
      const [name, next] = cString(message, 5);
      [text] = cString(message, next);
      if (name) connection.statements.set(name, text);
    } else if (kind === "Q") {
      [text] = cString(message, 5);
    }
    const match = text?.match(/^\s*(listen|unlisten)\s+("(?:[^"]|"")+"|[^\s;]+)\s*;?\s*$/i);
    if (!match) return;
    const channel = match[2].startsWith('"')
      ? match[2].slice(1, -1).replaceAll('""', '"')
      : match[2].toLowerCase();
    if (match[1].toLowerCase() === "listen") {
      connection.channels.add(channel);
      return;
    }
    if (channel === "*") connection.channels.clear();
    else connection.channels.delete(channel);
    this.#unlistened = true;
  }

  /** Forwards NOTIFY to the other listeners; a borrowed ReadyForQuery says idle. */
  #inspect(handler: number, output: Uint8Array, borrowed: boolean): void {
    const view = new DataView(output.buffer, output.byteOffset, output.byteLength);
    for (let at = 0; at + 5 <= output.length;) {
      const type = output[at];
      const end = at + 1 + view.getInt32(at + 1);
      if (end > output.length) break;
      if (type === 0x5a /* Z */ && borrowed) {
        output[at + 5] = 0x49; /* I */
      } else if (type === 0x41 /* A */) {
        const [channel] = cString(output, at + 9);
        for (const [id, c] of this.#connections) {
          if (id !== handler && c.channels.has(channel)) c.write(output.slice(at, end));
        }
      }
      at = end;
    }
  }

  /** After an UNLISTEN: the session listens again to every channel other connections want. */
  async #relisten(): Promise<void> {
    const wanted = new Set([...this.#connections.values()].flatMap((c) => [...c.channels]));
    for (const channel of wanted) await this.#exec(query(`listen ${ident(channel)}`));
  }

  #canClean(cleanup: Cleanup): boolean {
    if (cleanup.phase === 1) {
      return this.#unitHolder === null || this.#unitHolder === cleanup.handler;
    }
    return this.#unitHolder === null && this.#txOwner === null;
  }

  async #clean(cleanup: Cleanup): Promise<void> {
    const { handler } = cleanup;
    this.#cleanups.splice(this.#cleanups.indexOf(cleanup), 1);
    if (cleanup.phase === 1) {
      try {
        if (this.#unitHolder === handler) {
          await this.#exec(SYNC); // ends the half-sent extended-protocol unit
          this.#unitHolder = null;
          if (this.#nested) {
            this.#nested = false;
            await this.#exec(LEAVE);
          }
        }
        if (this.#txOwner === handler) {
          await this.#exec(query("rollback"));
          this.#txOwner = null;
        }
      } finally {
        cleanup.done();
      }
      this.#cleanups.push({ handler, phase: 2, done: () => {} });
      return;
    }
    const connection = this.#connections.get(handler);
    this.#connections.delete(handler);
    if (!connection) return;
    const stillWanted = new Set([...this.#connections.values()].flatMap((c) => [...c.channels]));
    for (const channel of connection.channels) {
      if (!stillWanted.has(channel)) await this.#exec(query(`unlisten ${ident(channel)}`));
    }
    for (const name of connection.statements.keys()) {
      await this.#exec(query(`deallocate ${ident(name)}`));
    }
  }

  /** Runs one protocol message on the session; returns its whole response. */
  async #exec(message: Uint8Array): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    await this.#db.runExclusive(() =>
      this.#db.execProtocolRawStream(message, {
        onRawData: (data: Uint8Array) => chunks.push(data.slice()),
      })
    );
    if (chunks.length === 1) return chunks[0];
    const output = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of chunks) {
      output.set(chunk, at);
      at += chunk.length;
    }
    return output;
  }

  /** True when the queued message opens a unit that only reads. */
  #startsReadOnlyUnit(item: Queued): boolean {
    const kind = kindOf(item.message);
    let text: string | undefined;
    if (kind === "Q" || kind === "P") {
      const [, next] = kind === "P" ? cString(item.message, 5) : ["", 5];
      [text] = cString(item.message, next);
    } else if (kind === "B") {
      const [, next] = cString(item.message, 5);
      const [name] = cString(item.message, next);
      text = this.#connections.get(item.handler)?.statements.get(name);
    }
    return text !== undefined && isReadOnly(text);
  }
}

const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
/**
 * Around a read that joins another connection's transaction: it sees the
 * default search_path (not the owner's SET LOCAL), and whatever it did is
 * undone afterwards, so an error there does not abort the owner.
 */
const JOIN = query("savepoint agora_embedded; set local search_path to default");
const LEAVE = query("rollback to savepoint agora_embedded; release savepoint agora_embedded");

/** A frontend message's type letter, or "startup" (no type byte, protocol 3.0). */
function kindOf(message: Uint8Array): string {
  if (message.length >= 8) {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    if (view.getInt32(0) === message.length && view.getInt32(4) === PROTOCOL_3) return "startup";
  }
  return String.fromCharCode(message[0]);
}

/** The NUL-terminated string at `at`, and where the next field starts. */
function cString(bytes: Uint8Array, at: number): [string, number] {
  let end = bytes.indexOf(0, at);
  if (end < 0) end = bytes.length;
  return [decoder.decode(bytes.subarray(at, end)), end + 1];
}

/** A simple-protocol Query message. */
function query(sql: string): Uint8Array {
  const body = encoder.encode(`${sql}\0`);
  const message = new Uint8Array(5 + body.length);
  message[0] = 0x51; // Q
  new DataView(message.buffer).setInt32(1, 4 + body.length);
  message.set(body, 5);
  return message;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * One SELECT / SHOW / VALUES / TABLE statement, or a WITH whose parts do not
 * write, calling none of the functions with effects the app uses.
 */
function isReadOnly(sql: string): boolean {
  const text = sql.replace(/^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*/, "").toLowerCase();
  if (/;\s*\S/.test(text) || /\b(into|pg_notify|set_config|nextval|setval)\b/.test(text)) {
    return false;
  }
  if (/^(select|show|values|table)\b/.test(text)) return true;
  return /^with\b/.test(text) && !/\b(insert|update|delete|merge)\b/.test(text);
}
