import { snapshotStoreContract } from "./snapshot_store_contract.ts";
import { inMemorySnapshots } from "./test_utils.ts";

for (const [name, run] of Object.entries(snapshotStoreContract)) {
  Deno.test(`In-memory snapshots - ${name}`, () => run(inMemorySnapshots()));
}
