import { inArray, sql } from "drizzle-orm";
import type { Database } from "../db";
import type { OutboxRow } from "./outbox";
import { outbox } from "./tables";

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
 * Writes what became of posted rows. Outcomes that arrive while the previous write waits for the write lock
 * (or runs) share the next transaction: when several commits' events finish posting close together, as they
 * do under load, one BEGIN/COMMIT marks them all. The returned promise settles once the outcome is committed.
 */
export function createOutcomeWriter<S extends Record<string, unknown>>(
  database: Database<S>,
): (outcome: PostOutcome) => Promise<void> {
  let open: Batch | undefined; // the batch whose transaction has not started yet: it takes new outcomes

  const write = (batch: Batch) =>
    database.write(async (tx) => {
      // The lock is ours: outcomes recorded from here on go to a transaction of their own.
      if (open === batch) open = undefined;
      if (batch.sent.length > 0)
        await tx.update(outbox).set({ sentAt: Date.now() }).where(inArray(outbox.id, batch.sent));
      if (batch.failed.length > 0)
        await tx
          .update(outbox)
          .set({ attempts: sql`${outbox.attempts} + 1`, claimedUntil: null })
          .where(inArray(outbox.id, batch.failed));
    });

  return (outcome) => {
    if (outcome.sent.length === 0 && outcome.failed.length === 0) return Promise.resolve();
    if (!open) {
      const batch: Batch = { sent: [], failed: [], committed: Promise.resolve() };
      // Closed however it ends, a failure before the lock (a busy database) included.
      batch.committed = write(batch).finally(() => {
        if (open === batch) open = undefined;
      });
      open = batch;
    }
    open.sent.push(...outcome.sent.map((row) => row.id));
    open.failed.push(...outcome.failed.map((row) => row.id));
    return open.committed;
  };
}
