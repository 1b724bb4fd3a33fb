/**
 * Fan-out for live update streams: each topic (a post, the feed) is read once
 * per change per process and the result is sent to every stream open on it,
 * so database work grows with the topics watched, not with the streams.
 * Change notifications are debounced: a burst of projector batches is one
 * read. Streams are capped per client address and per process.
 *
 * @module
 */

/** One server-sent event: the read model's position as id, the event name, JSON data. */
export type LiveMessage = { id: number; event: string; json: string };

/** What the hub needs: the change notifications, and how to read a topic. */
export type LiveHubOptions = {
  /** Subscribes to projection changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Reads a topic's current state: the position it reflects and the event to send. */
  read(topic: string): Promise<{ position: number; event: string; data: unknown }>;
  /** Streams open at once per client address (LIVE_STREAMS_PER_CLIENT). */
  perClient: number;
  /** Streams open at once in this process (LIVE_STREAMS_MAX). */
  total: number;
  /** Notifications within this window are one read. Default 20 ms. */
  debounceMs?: number;
  /** Called for each topic read (e.g. to count them in /metrics). */
  onRead?: () => void;
};

/** Why a stream was not opened. */
export type LiveRefusal = "client_limit" | "process_limit";

/** A stream's registration: `close` when the client goes away. */
export type LiveSubscription = { close(): void };

/**
 * The hub of one process.
 *
 * @example
 * ```ts
 * const joined = hub.join({ topic: "feed", client: "203.0.113.7", send });
 * if (typeof joined === "string") return tooMany(joined);
 * ```
 */
export type LiveHub = {
  /**
   * Registers a stream and sends it the topic's current state at once (every
   * (re)connection starts with it), then each change. A string says why not.
   */
  join(
    options: { topic: string; client: string; send(message: LiveMessage): void },
  ): LiveSubscription | LiveRefusal;
  /** Open streams (all clients). */
  readonly open: number;
  /** Topic reads so far (for tests and metrics). */
  readonly reads: number;
};

type Topic = {
  streams: Set<(message: LiveMessage) => void>;
  /** The last state read, sent to newcomers and compared against to skip unchanged states. */
  last: LiveMessage | null;
  loading: Promise<LiveMessage | null> | null;
};

/** Builds a {@link LiveHub}. */
export function liveHub(options: LiveHubOptions): LiveHub {
  const topics = new Map<string, Topic>();
  const perClient = new Map<string, number>();
  let open = 0;
  let reads = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => void) | null = null;
  let flushing = Promise.resolve();

  const load = (name: string, topic: Topic): Promise<LiveMessage | null> => {
    topic.loading ??= (async () => {
      reads++;
      options.onRead?.();
      try {
        const { position, event, data } = await options.read(name);
        return { id: position, event, json: JSON.stringify(data) };
      } catch {
        return null; // the next change tries again
      } finally {
        topic.loading = null;
      }
    })();
    return topic.loading;
  };

  const refresh = async (name: string, topic: Topic) => {
    // A read already under way may have started before this change: read again after it.
    if (topic.loading) await topic.loading;
    const message = await load(name, topic);
    if (!message || message.json === topic.last?.json) return;
    topic.last = message;
    for (const send of topic.streams) send(message);
  };

  // Flushes run one after another; a change during a flush schedules another.
  const flush = () => {
    timer = undefined;
    flushing = flushing.then(() =>
      Promise.all([...topics].map(([name, topic]) => refresh(name, topic)))
    ).then(() => {}, () => {});
  };
  const changed = () => {
    timer ??= setTimeout(flush, options.debounceMs ?? 20);
  };

  return {
    get open() {
      return open;
    },
    get reads() {
      return reads;
    },
    join({ topic: name, client, send }) {
      if (open >= options.total) return "process_limit";
      const mine = perClient.get(client) ?? 0;
      if (mine >= options.perClient) return "client_limit";
      open++;
      perClient.set(client, mine + 1);
      unsubscribe ??= options.subscribe(changed);
      let topic = topics.get(name);
      if (!topic) {
        topic = { streams: new Set(), last: null, loading: null };
        topics.set(name, topic);
      }
      const joined = topic;
      joined.streams.add(send);
      // The current state first: cached while the topic is watched (each change refreshes it).
      if (joined.last) send(joined.last);
      else {
        load(name, joined).then((message) => {
          if (!message || !joined.streams.has(send)) return;
          if (!joined.last) joined.last = message;
          send(joined.last);
        });
      }
      let closed = false;
      return {
        close() {
          if (closed) return;
          closed = true;
          open--;
          const left = (perClient.get(client) ?? 1) - 1;
          if (left > 0) perClient.set(client, left);
          else perClient.delete(client);
          joined.streams.delete(send);
          if (joined.streams.size === 0 && topics.get(name) === joined) topics.delete(name);
          if (open === 0) {
            unsubscribe?.();
            unsubscribe = null;
            clearTimeout(timer);
            timer = undefined;
          }
        },
      };
    },
  };
}
