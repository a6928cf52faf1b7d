import type { Database } from "../db";
import type { OutboxRow } from "./outbox";

export interface PostOutcome {
  sent: OutboxRow[];
  /** Given back: unclaimed with one more attempt, so the next pass of any replica tries them again. */
  failed: OutboxRow[];
}

interface Batch {
  sent: string[];
  failed: string[];
  committed: Promise<void>;
}

/**
 * Every publish ends in one of these, so their text is fixed (Database.write's execute): the ids go as one
 * JSON array, whatever their number.
 */
const MARK_SENT = "update outbox set sent_at = ? where id in (select value from json_each(?))";
const GIVE_BACK = `update outbox set attempts = attempts + 1, claimed_until = null
  where id in (select value from json_each(?))`;

/**
 * Writes what became of posted rows, gathering them: the first outcome opens a batch whose transaction asks
 * for the write lock gatherMs later, and every outcome recorded until that transaction begins (the wait for
 * the lock included) joins it. When posts finish close together, as they do under load, one BEGIN/COMMIT
 * marks them all; the rows stay claimed meanwhile, so nobody posts them again. The returned promise settles
 * once the outcome is committed.
 */
export function createOutcomeWriter<S extends Record<string, unknown>>(
  database: Database<S>,
  gatherMs: number,
): (outcome: PostOutcome) => Promise<void> {
  let open: Batch | undefined; // the batch whose transaction has not begun yet: it takes new outcomes

  const write = (batch: Batch) =>
    database.write(async (_tx, execute) => {
      // The lock is ours: outcomes recorded from here on go to a transaction of their own.
      if (open === batch) open = undefined;
      if (batch.sent.length > 0)
        await execute({ sql: MARK_SENT, args: [Date.now(), JSON.stringify(batch.sent)] });
      if (batch.failed.length > 0) await execute({ sql: GIVE_BACK, args: [JSON.stringify(batch.failed)] });
    });

  return (outcome) => {
    if (outcome.sent.length === 0 && outcome.failed.length === 0) return Promise.resolve();
    if (!open) {
      const batch: Batch = { sent: [], failed: [], committed: Promise.resolve() };
      batch.committed = new Promise((resolve) => setTimeout(resolve, gatherMs))
        .then(() => write(batch))
        // Closed however it ends, a failure before the lock (a busy database) included.
        .finally(() => {
          if (open === batch) open = undefined;
        });
      open = batch;
    }
    open.sent.push(...outcome.sent.map((row) => row.id));
    open.failed.push(...outcome.failed.map((row) => row.id));
    return open.committed;
  };
}
