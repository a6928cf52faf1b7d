import { and, asc, count, inArray, isNull, lt, lte, isNotNull, or, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db";
import { send } from "../http/client";
import type { Metrics } from "../observability";
import { createBreaker, UpstreamStatusError } from "../resilience";
import type { EventSigningKey } from "./keys";
import { toWireEvent, type OutboxRow } from "./outbox";
import { createOutcomeWriter, type PostOutcome } from "./outcomes";
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
  /** How long the outcomes of posts are gathered before they are written in one transaction. */
  gatherOutcomesMs?: number;
}

export interface Relay {
  /**
   * How long the rows handed to `publishClaimed` are claimed for: the outbox writes this claim with them.
   * Undefined while no sink is configured: rows then wait unclaimed for a sink.
   */
  readonly claimMs: number | undefined;
  /**
   * Posts rows their producing transaction inserted already claimed (see claimMs), right after its commit:
   * no read, no claim of its own, one write for the outcome. Resolves with how many the broker accepted;
   * never rejects (a failure is logged, and the rows are retried by a pass).
   */
  publishClaimed(rows: OutboxRow[]): Promise<number>;
  /** Publish what is pending and nobody is posting; resolves when this pass is over. Returns how many were accepted. */
  flush(): Promise<number>;
  /**
   * The periodic job (shared/runtime's "outbox" job, on a timer and at POST /tasks/outbox): publish what is
   * pending, so a broker outage or a crash between commit and publish loses nothing, and delete sent events
   * older than retainSentMs.
   */
  tick(): Promise<number>;
  /** Waits for the posts under way and shuts the breaker. */
  stop(): Promise<void>;
}

/**
 * Posts outbox rows to the broker in binary mode until it answers 2xx (202 from a Knative broker ingress), then
 * marks them sent. A batch is posted at once, not one by one: the broker gives no order between events either
 * (a Trigger delivers in parallel), and every consumer copes with reordered events. The same CloudEvent id is
 * used on every retry, so a consumer dedupes a row that was published but not yet marked.
 *
 * Replicas of a function share its outbox. A row is claimed (claimed_until) before anyone posts it, so two
 * relays do not post the same row at once; a claim runs out after twice the post timeout, so the rows of a
 * replica that died mid-post, or between its commit and its post, are taken up by another. Fresh rows are
 * claimed by the transaction that writes them and posted by this replica right after the commit
 * (publishClaimed); a pass (flush, tick) claims what is left in one guarded update: rows given back after a
 * failed post, and rows whose claim ran out. Publishing twice stays harmless (the dedupe above); the claim
 * only keeps it the exception it is with one replica.
 */
export function createRelay<S extends Record<string, unknown>>(options: RelayOptions<S>): Relay {
  const { database, sink, signingKey, logger, metrics } = options;
  const batchSize = options.batchSize ?? 64;
  const timeoutMs = options.timeoutMs ?? 5000;
  const retainSentMs = options.retainSentMs ?? 24 * 60 * 60 * 1000;
  const claimMs = 2 * timeoutMs;
  const recordOutcome = createOutcomeWriter(database, options.gatherOutcomesMs ?? 20);
  const inFlight = new Set<Promise<number>>();
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

  /** Posts rows this relay holds the claim of, records what became of each; resolves with the outcome. */
  async function postClaimed(rows: OutboxRow[]): Promise<PostOutcome> {
    const results = await Promise.allSettled(rows.map((row) => breaker.fire(row)));
    const outcome = {
      sent: rows.filter((_row, i) => results[i]?.status === "fulfilled"),
      failed: rows.filter((_row, i) => results[i]?.status === "rejected"),
    };
    await recordOutcome(outcome);
    for (const row of outcome.sent) metrics.eventsPublished.inc({ type: row.type });
    if (outcome.failed.length > 0) {
      const first = results.find((result) => result.status === "rejected");
      logger.warn(
        { err: first?.reason, failed: outcome.failed.length, event_ids: outcome.failed.map((row) => row.id) },
        "publish failed; will retry",
      );
    }
    return outcome;
  }

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
      const { sent, failed } = await postClaimed(rows);
      accepted += sent.length;
      if (failed.length > 0 || rows.length < batchSize) return accepted;
    }
  }

  /**
   * outbox_backlog: the rows waiting for a post, unsent and claimed by nobody (never posted yet, given back
   * after a failure, or held by a replica that died). Rows being posted right now are left out, so steady
   * traffic reads 0 however busy, while a broker that refuses shows on the next tick (one that hangs, once the
   * posts time out). Recounted after every pass, not after each commit's post: it lags by up to a tick.
   */
  async function updateBacklog(): Promise<void> {
    const [row] = await database.db.select({ n: count() }).from(outbox).where(unclaimed(Date.now()));
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

  // Commits' rows that arrive while a fresh batch is posting wait and go together as the next batch, as a
  // pass took what piled up: fewer, larger posts-and-marks under load, no wait when idle.
  let gathering: { rows: OutboxRow[]; outcome: Promise<PostOutcome> } | undefined;
  let previous: Promise<unknown> = Promise.resolve();

  function publishClaimed(rows: OutboxRow[]): Promise<number> {
    if (!sink || rows.length === 0) return Promise.resolve(0);
    if (!gathering) {
      const batch = {
        rows: [] as OutboxRow[],
        outcome: Promise.resolve<PostOutcome>({ sent: [], failed: [] }),
      };
      batch.outcome = previous.then(() => {
        if (gathering === batch) gathering = undefined;
        return postClaimed(batch.rows);
      });
      previous = batch.outcome.catch(() => undefined);
      gathering = batch;
    }
    gathering.rows.push(...rows);
    const mine = new Set(rows);
    const publishing = gathering.outcome
      .then((outcome) => outcome.sent.filter((row) => mine.has(row)).length)
      .catch((error: unknown) => {
        // The outcome was not written: the rows stay claimed, and a pass takes them once the claim runs out.
        logger.error({ err: error, event_ids: rows.map((row) => row.id) }, "outbox relay failed");
        return 0;
      })
      .finally(() => inFlight.delete(publishing));
    inFlight.add(publishing);
    return publishing;
  }

  return {
    claimMs: sink ? claimMs : undefined,
    publishClaimed,
    flush,
    tick,
    async stop() {
      await Promise.all([running?.catch(() => undefined), ...inFlight]);
      breaker.shutdown();
    },
  };
}
