import { and, asc, count, inArray, isNull, lt, lte, isNotNull, or, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db";
import { send } from "../http/client";
import type { Metrics } from "../observability";
import { createBreaker, UpstreamStatusError } from "../resilience";
import type { EventSigningKey } from "./keys";
import { toWireEvent, type OutboxRow } from "./outbox";
import { signEvent } from "./signature";
import { outbox } from "./tables";
import { publishSpanOf } from "./tracing";
import { toBinaryRequest } from "./wire";

export interface RelayOptions<S extends Record<string, unknown>> {
  database: Database<S>;
  /** The broker ingress (K_SINK). Unset: events wait in the outbox until a sink is configured. */
  sink: string | undefined;
  /** This function's key; every event is signed with it on its way out. Unset for a function that emits none. */
  signingKey: EventSigningKey | undefined;
  logger: Logger;
  metrics: Metrics;
  timeoutMs?: number;
  batchSize?: number;
  /** Sent events older than this are deleted on the periodic tick. */
  retainSentMs?: number;
}

export interface Relay {
  /** Publish what is pending now, without waiting (after a commit). */
  kick(): void;
  /** Publish what is pending; resolves when this pass is over. Returns how many were accepted. */
  flush(): Promise<number>;
  /**
   * The periodic job (shared/runtime's "outbox" job, on a timer and at POST /tasks/outbox): publish what is
   * pending, so a broker outage or a crash between commit and publish loses nothing, and delete sent events
   * older than retainSentMs.
   */
  tick(): Promise<number>;
  /** Waits for the pass under way and shuts the breaker. */
  stop(): Promise<void>;
}

/**
 * Posts outbox rows to the broker in binary mode until it answers 2xx (202 from a Knative broker ingress), then
 * marks them sent. A batch is posted at once, not one by one: the broker gives no order between events either
 * (a Trigger delivers in parallel), and every consumer copes with reordered events. The same CloudEvent id is
 * used on every retry, so a consumer dedupes a row that was published but not yet marked.
 *
 * Replicas of a function share its outbox. Each pass claims its rows first (claimed_until, in one guarded
 * update), so two relays do not post the same row at once; a claim runs out after twice the post timeout, so
 * the rows of a replica that died mid-post are taken up by another. Publishing twice stays harmless (the
 * dedupe above); the claim only keeps it the exception it is with one replica.
 */
export function createRelay<S extends Record<string, unknown>>(options: RelayOptions<S>): Relay {
  const { database, sink, signingKey, logger, metrics } = options;
  const batchSize = options.batchSize ?? 64;
  const timeoutMs = options.timeoutMs ?? 5000;
  const retainSentMs = options.retainSentMs ?? 24 * 60 * 60 * 1000;
  const claimMs = 2 * timeoutMs;
  let running: Promise<number> | undefined;
  let again = false;

  const post = async (row: OutboxRow): Promise<void> => {
    if (!signingKey)
      throw new Error(`${row.source} has no event signing key; ${row.type} stays in the outbox`);
    const message = toBinaryRequest(signEvent(toWireEvent(row), signingKey));
    // Aborted with the breaker's timeout: a late answer must not land after the row was re-sent.
    const span = () => publishSpanOf(row);
    const answer = await send(sink as string, { method: "POST", ...message, timeoutMs, span });
    if (answer.status < 200 || answer.status >= 300) {
      throw new UpstreamStatusError(answer.status, `broker answered ${answer.status}`);
    }
  };
  const breaker = createBreaker("broker", post, {
    timeoutMs,
    metrics,
    resetTimeoutMs: 2000,
  });

  const unclaimed = (now: number) =>
    and(isNull(outbox.sentAt), or(isNull(outbox.claimedUntil), lte(outbox.claimedUntil, now)));

  /** Up to a batch of pending rows nobody else is posting, now claimed by this relay. */
  async function claim(): Promise<OutboxRow[]> {
    for (;;) {
      const now = Date.now();
      // Read first, outside the write lock: an idle tick (nothing pending) takes no lock at all.
      const candidates = await database.db
        .select({ id: outbox.id })
        .from(outbox)
        .where(unclaimed(now))
        .orderBy(asc(outbox.createdAt), sql`rowid`) // rowid: insertion order within one millisecond
        .limit(batchSize);
      if (candidates.length === 0) return [];
      const ids = candidates.map((row) => row.id);
      const claimed = await database.write((tx) =>
        tx
          .update(outbox)
          .set({ claimedUntil: now + claimMs })
          // Checked again inside the lock: another replica may have claimed some since the read.
          .where(and(inArray(outbox.id, ids), unclaimed(now)))
          .returning(),
      );
      // All taken by another replica between the read and the claim: look at the rows after them.
      if (claimed.length > 0) return claimed.sort((a, b) => a.createdAt - b.createdAt);
    }
  }

  async function pass(): Promise<number> {
    if (!sink) return 0;
    let accepted = 0;
    for (;;) {
      const rows = await claim();
      if (rows.length === 0) return accepted;
      const results = await Promise.allSettled(rows.map((row) => breaker.fire(row)));
      const sent = rows.filter((_row, i) => results[i]?.status === "fulfilled");
      const failed = rows.filter((_row, i) => results[i]?.status === "rejected");
      await database.write(async (tx) => {
        const ids = (some: OutboxRow[]) =>
          inArray(
            outbox.id,
            some.map((row) => row.id),
          );
        if (sent.length > 0) await tx.update(outbox).set({ sentAt: Date.now() }).where(ids(sent));
        if (failed.length > 0) {
          // Given back: the next pass of any replica tries them again.
          await tx
            .update(outbox)
            .set({ attempts: sql`${outbox.attempts} + 1`, claimedUntil: null })
            .where(ids(failed));
        }
      });
      for (const row of sent) metrics.eventsPublished.inc({ type: row.type });
      accepted += sent.length;
      if (failed.length > 0) {
        const first = results.find((result) => result.status === "rejected");
        logger.warn(
          { err: first?.reason, failed: failed.length, event_ids: failed.map((row) => row.id) },
          "publish failed; will retry",
        );
        return accepted;
      }
      if (rows.length < batchSize) return accepted;
    }
  }

  async function updateBacklog(): Promise<void> {
    const [row] = await database.db.select({ n: count() }).from(outbox).where(isNull(outbox.sentAt));
    metrics.outboxBacklog.set(row?.n ?? 0);
  }

  async function flush(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        total += await pass();
      } while (again);
      await updateBacklog();
      return total;
    })().finally(() => (running = undefined));
    return running;
  }

  async function tick(): Promise<number> {
    const published = await flush();
    await database.write((tx) =>
      tx.delete(outbox).where(and(isNotNull(outbox.sentAt), lt(outbox.sentAt, Date.now() - retainSentMs))),
    );
    return published;
  }

  const kick = (): void => {
    flush().catch((error: unknown) => logger.error({ err: error }, "outbox relay failed"));
  };

  return {
    kick,
    flush,
    tick,
    async stop() {
      await running?.catch(() => undefined);
      breaker.shutdown();
    },
  };
}
