import { and, asc, count, isNull, lt, isNotNull, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db";
import type { Metrics } from "../observability";
import { createBreaker, UpstreamStatusError } from "../resilience";
import { toBinaryMessage } from "./encoding";
import { outbox } from "./tables";

export interface RelayOptions<S extends Record<string, unknown>> {
  database: Database<S>;
  /** The broker ingress (K_SINK). Unset: events wait in the outbox until a sink is configured. */
  sink: string | undefined;
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
  /** Re-sends on a timer: a broker outage or a crash between commit and publish loses nothing. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

type OutboxRow = typeof outbox.$inferSelect;

/**
 * Posts outbox rows, oldest first, to the broker in binary mode until it answers 2xx (202 from a Knative
 * broker ingress), then marks them sent. The same CloudEvent id is used on every retry, so a consumer
 * dedupes a row that was published but not yet marked.
 */
export function createRelay<S extends Record<string, unknown>>(options: RelayOptions<S>): Relay {
  const { database, sink, logger, metrics } = options;
  const batchSize = options.batchSize ?? 100;
  const timeoutMs = options.timeoutMs ?? 5000;
  const retainSentMs = options.retainSentMs ?? 24 * 60 * 60 * 1000;
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const post = async (row: OutboxRow): Promise<void> => {
    const message = toBinaryMessage({
      id: row.id,
      type: row.type,
      source: row.source,
      subject: row.subject,
      time: row.time,
      data: JSON.parse(row.data),
      traceparent: row.traceparent,
      correlationid: row.correlationId,
    });
    // Aborted with the breaker's timeout: a late answer must not land after the row was re-sent.
    const response = await fetch(sink as string, {
      method: "POST",
      headers: message.headers,
      body: message.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok) throw new UpstreamStatusError(response.status, `broker answered ${response.status}`);
  };
  const breaker = createBreaker("broker", post, {
    timeoutMs,
    metrics,
    resetTimeoutMs: 2000,
  });

  async function pass(): Promise<number> {
    if (!sink) return 0;
    let accepted = 0;
    for (;;) {
      const rows = await database.db
        .select()
        .from(outbox)
        .where(isNull(outbox.sentAt))
        .orderBy(asc(outbox.createdAt), sql`rowid`) // rowid: insertion order within one millisecond
        .limit(batchSize);
      for (const row of rows) {
        try {
          await breaker.fire(row);
        } catch (error) {
          await database.write((tx) =>
            tx
              .update(outbox)
              .set({ attempts: sql`${outbox.attempts} + 1` })
              .where(eq(outbox.id, row.id)),
          );
          logger.warn({ err: error, event_id: row.id, type: row.type }, "publish failed; will retry");
          return accepted; // keep order: later events wait for this one
        }
        await database.write((tx) =>
          tx.update(outbox).set({ sentAt: Date.now() }).where(eq(outbox.id, row.id)),
        );
        metrics.eventsPublished.inc({ type: row.type });
        accepted += 1;
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

  const kick = (): void => {
    flush().catch((error: unknown) => logger.error({ err: error }, "outbox relay failed"));
  };

  return {
    kick,
    flush,
    start(intervalMs) {
      if (!sink) logger.warn("K_SINK is not set: events are kept in the outbox until a broker is configured");
      kick();
      if (intervalMs <= 0) return;
      timer = setInterval(() => {
        kick();
        database
          .write((tx) =>
            tx
              .delete(outbox)
              .where(and(isNotNull(outbox.sentAt), lt(outbox.sentAt, Date.now() - retainSentMs))),
          )
          .catch((error: unknown) => logger.warn({ err: error }, "outbox pruning failed"));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
      breaker.shutdown();
    },
  };
}
