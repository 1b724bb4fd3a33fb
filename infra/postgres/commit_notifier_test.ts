import assert from "node:assert/strict";
import { commitNotifier } from "./commit_notifier.ts";
import { tempDatabase } from "./test_utils.ts";

Deno.test("Commit notifier - a commit of a lower position after a higher one is still announced", async () => {
  await using db = await tempDatabase();
  const sql = db.connect({ max: 2 });
  try {
    const heard: string[] = [];
    let wake = () => {};
    await sql.listen("commit_notifier_test", (payload) => {
      heard.push(payload);
      wake();
    });
    const heardOne = (count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`heard ${heard.length}, not ${count}`)),
          5000,
        );
        wake = () => {
          if (heard.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
    const notifier = commitNotifier(sql, "commit_notifier_test");
    notifier.committed(10);
    await heardOne(1);
    // Transactions commit out of position order: 9 committed after 10 was announced.
    notifier.committed(9);
    await heardOne(2);
    assert.deepEqual(heard, ["10", "10"], "a wake-up for the late commit (payload: the highest)");
  } finally {
    await sql.end();
  }
});
