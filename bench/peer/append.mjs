// Bench only: the peer half of the append comparison (bench/append.ts runs it with Node).
// Appends one event per call to `streams` streams from `writers` concurrent writers for
// `seconds`, through emmett-postgresql's public appendToStream, and prints one JSON line.
// Usage: node append.mjs <database url> <writers> <streams> <seconds> <any|expected>
import { getPostgreSQLEventStore } from "@event-driven-io/emmett-postgresql";

const [url, writersArg, streamsArg, secondsArg, mode] = process.argv.slice(2);
const writers = Number(writersArg);
const streams = Number(streamsArg);
const seconds = Number(secondsArg);
const store = getPostgreSQLEventStore(url);

const liked = (n) => ({
  type: "PostLiked",
  data: { userId: crypto.randomUUID(), at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() },
});

// Set-up, not timed: the schema and every stream exist before the clock starts.
const ids = Array.from({ length: streams }, () => `post-${crypto.randomUUID()}`);
const versions = new Map();
for (let i = 0; i < ids.length; i += writers) {
  await Promise.all(
    ids.slice(i, i + writers).map(async (id) => {
      const result = await store.appendToStream(id, [liked(0)]);
      versions.set(id, result.nextExpectedStreamVersion);
    }),
  );
}

// Writer w owns streams w, w + writers, …, so expected versions never collide.
async function writer(w, deadline) {
  let appended = 0;
  const own = ids.filter((_, i) => i % writers === w);
  while (performance.now() < deadline) {
    const id = own[appended % own.length];
    const options = mode === "expected" ? { expectedStreamVersion: versions.get(id) } : undefined;
    const result = await store.appendToStream(id, [liked(appended)], options);
    versions.set(id, result.nextExpectedStreamVersion);
    appended++;
  }
  return appended;
}

const started = performance.now();
const deadline = started + seconds * 1000;
const counts = await Promise.all(Array.from({ length: writers }, (_, w) => writer(w, deadline)));
const elapsed = (performance.now() - started) / 1000;
const events = counts.reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ events, seconds: elapsed, eventsPerSecond: events / elapsed }));
await store.close();
