import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, isNull, lte, or, sql, type Placeholder } from "drizzle-orm";
import { Counter } from "prom-client";
import type { Database } from "@bazaar/shared/db";
import type { Outbox } from "@bazaar/shared/events";
import { traceIdOf, nextTraceparent } from "@bazaar/shared/http";
import { defineJob, type Job } from "@bazaar/shared/jobs";
import {
  detached,
  endSpan,
  startSpan,
  traceparentOf,
  withSpan,
  type Logger,
  type Metrics,
  type Span,
} from "@bazaar/shared/observability";
import type { PaymentSchema } from "../db";
import { payments } from "../db/schema";
import type { Payment } from "./payments";
import type { ChargeOutcome, Processor } from "./processor";

export interface SettlerDeps {
  database: Database<PaymentSchema>;
  outbox: Outbox<PaymentSchema>;
  processor: Processor;
  logger: Logger;
  metrics: Metrics;
  /**
   * How long a replica's claim on a pending payment holds: longer than any charge takes, so no other replica
   * charges it meanwhile, and short enough that the payments of a replica killed mid-charge are charged soon.
   */
  claimMs?: number;
}

/**
 * Charges pending payments and records the outcome. The processor is called outside any transaction, so
 * a slow charge (tok_slow) neither holds the write lock nor keeps the broker's delivery waiting. Payments
 * left pending by a crash are picked up by the "settle" job (settleJob), on start and on every tick.
 *
 * Replicas share the payments table, and each one's job finds the same pending payments: a payment is
 * claimed (charging_until, one guarded update) before the processor is asked, so only one replica charges
 * it. The claim of a replica that died mid-charge runs out after `claimMs`, and another one charges it then.
 */
export interface Settler {
  /** Charge what is pending now, without waiting (after an event committed a new payment). */
  kick(): void;
  /** Charge what is pending; resolves when every charge under way is recorded. Returns how many began. */
  settle(): Promise<number>;
  /** Takes no more charges and waits for those under way, so a SIGTERM loses no outcome. */
  stop(): Promise<void>;
}

const BATCH_SIZE = 100;

export function createSettler(deps: SettlerDeps): Settler {
  const { database, outbox, processor, logger } = deps;
  const claimMs = deps.claimMs ?? 30_000;
  const inFlight = new Map<number, Promise<void>>();
  let stopped = false;
  const settled = new Counter({
    name: "payments_settled_total",
    help: "Charges recorded, by outcome (succeeded or the failure code)",
    labelNames: ["outcome"],
    registers: [deps.metrics.registry],
  });

  /** Records the outcome only if the payment is still pending: a cancellation during the charge voids it. */
  async function record(payment: Payment, outcome: ChargeOutcome, span: Span | undefined): Promise<boolean> {
    const trace = {
      correlationId: payment.correlationId ?? randomUUID(),
      traceparent: span ? traceparentOf(span) : nextTraceparent(payment.traceparent),
    };
    return outbox.write(trace, async (tx, emit) => {
      // Every order's charge is recorded here, so the statement is a sql template rather than the update
      // builder, which spent three times its CPU building it (2026-12-03).
      const outcomeSet = outcome.ok
        ? sql`status = ${"succeeded"}`
        : sql`status = ${"failed"}, failure_code = ${outcome.code}, reason = ${outcome.reason}`;
      const [row] = await tx.all<Pick<Payment, "id" | "orderId" | "customerId" | "amountCents">>(sql`
        update ${payments} set ${outcomeSet}, updated_at = ${new Date().toISOString()}
        where id = ${payment.id} and status = ${"pending"}
        returning id, order_id as orderId, customer_id as customerId, amount_cents as amountCents`);
      if (!row) return false;
      const order = { order_id: row.orderId, customer_id: row.customerId };
      if (outcome.ok)
        emit(
          "bazaar.payment.succeeded",
          { ...order, payment_id: row.id, amount_cents: row.amountCents },
          row.orderId,
        );
      else
        emit("bazaar.payment.failed", { ...order, reason: outcome.reason, code: outcome.code }, row.orderId);
      return true;
    });
  }

  /**
   * With tracing on, a charge is a span of the trace that requested it (a child of the handling of its
   * payment.requested); the outcome's transaction and events are its children.
   */
  async function charge(payment: Payment): Promise<void> {
    const span = startSpan(
      { name: "charge", attributes: { "bazaar.order_id": payment.orderId, "bazaar.payment_id": payment.id } },
      payment.traceparent,
      "root",
    );
    try {
      await withSpan(span, () => chargeIn(payment, span));
      endSpan(span);
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
  }

  async function chargeIn(payment: Payment, span: Span | undefined): Promise<void> {
    const log = logger.child({
      order_id: payment.orderId,
      payment_id: payment.id,
      correlation_id: payment.correlationId,
      trace_id: traceIdOf(payment.traceparent ?? ""),
    });
    const outcome = await processor.charge({
      orderId: payment.orderId,
      amountCents: payment.amountCents,
      method: payment.method ?? "",
    });
    span?.setAttribute("bazaar.payment.outcome", outcome.ok ? "succeeded" : outcome.code);
    if (!(await record(payment, outcome, span))) {
      log.info("the order was cancelled while the charge was under way; the charge is voided");
      return;
    }
    const label = outcome.ok ? "succeeded" : outcome.code;
    settled.inc({ outcome: label });
    log.info({ outcome: label }, "payment settled");
  }

  const claimable = (now: number | Placeholder) =>
    and(eq(payments.status, "pending"), or(isNull(payments.chargingUntil), lte(payments.chargingUntil, now)));

  // Read outside the write lock on every kick (once per order), so drizzle builds it once: prepared on the
  // database, which is right for a read outside a transaction (drizzle #2826).
  const candidates = database.db
    .select({ id: payments.id })
    .from(payments)
    .where(claimable(sql.placeholder("now")))
    .orderBy(asc(payments.id))
    .limit(BATCH_SIZE)
    .prepare();

  /** Pending payments no replica is charging, now claimed by this one. */
  async function claim(): Promise<Payment[]> {
    const now = Date.now();
    // Read first, outside the write lock: a tick with nothing to charge takes no lock.
    const pending = await candidates.all({ now });
    if (pending.length === 0) return [];
    const ids = pending.map((row) => row.id);
    const claimed = await database.write((tx) =>
      tx
        .update(payments)
        .set({ chargingUntil: now + claimMs })
        .where(and(inArray(payments.id, ids), claimable(now))) // again inside the lock
        .returning(),
    );
    return claimed.sort((a, b) => a.id - b.id);
  }

  /** A charge that failed before its outcome was recorded: any replica's next tick may try again. */
  const release = (payment: Payment) =>
    database.write((tx) =>
      tx
        .update(payments)
        .set({ chargingUntil: null })
        .where(and(eq(payments.id, payment.id), eq(payments.status, "pending"))),
    );

  async function settle(): Promise<number> {
    if (stopped) return 0;
    let started = 0;
    for (const payment of await claim()) {
      // One charge per payment at a time in this process too (a claim of ours that ran out, a slow charge).
      if (inFlight.has(payment.id)) continue;
      const run = charge(payment)
        .catch(async (error: unknown) => {
          logger.warn({ err: error, payment_id: payment.id }, "charge not recorded; will retry");
          await release(payment).catch(() => undefined); // else the claim runs out on its own
        })
        .finally(() => inFlight.delete(payment.id));
      inFlight.set(payment.id, run);
      started += 1;
    }
    await Promise.all(inFlight.values());
    return started;
  }

  // Set off after an event committed, but work of its own: each charge continues its payment's trace.
  const kick = (): void =>
    detached(() => {
      settle().catch((error: unknown) => logger.error({ err: error }, "payment settlement failed"));
    });

  return {
    kick,
    settle,
    async stop() {
      stopped = true;
      await Promise.all(inFlight.values());
    },
  };
}

/**
 * The "settle" job: pending payments no replica is charging, charged. On a timer in dev
 * (PAYMENT_SETTLE_INTERVAL_MS) and at start, at POST /tasks/settle from a PingSource in a cluster.
 */
export const settleJob = (settler: Settler, deps: { logger: Logger; metrics: Metrics }): Job =>
  defineJob({ name: "settle", run: async () => ({ started: await settler.settle() }), ...deps });
