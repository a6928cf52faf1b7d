import { randomUUID } from "node:crypto";
import { and, eq, lt } from "drizzle-orm";
import type { Database } from "@bazaar/shared/db";
import type { Outbox } from "@bazaar/shared/events";
import { nextTraceparent } from "@bazaar/shared/http";
import { defineJob, type Job } from "@bazaar/shared/jobs";
import type { Logger, Metrics } from "@bazaar/shared/observability";
import type { OrderSchema } from "../db";
import { orders } from "../db/schema";
import type { OrderMetrics } from "./metrics";
import { cancelOrder, findOrder } from "./orders";

export interface SweepDeps {
  database: Database<OrderSchema>;
  outbox: Outbox<OrderSchema>;
  metrics: OrderMetrics;
}

/**
 * The "sweep" job: on a timer in dev (ORDER_SWEEP_INTERVAL_MS), at POST /tasks/sweep from a PingSource in a
 * cluster, where a scaled-to-zero function has no timers. Answers the ids of the orders it cancelled.
 */
export const sweepJob = (
  deps: SweepDeps & { logger: Logger; jobMetrics: Metrics },
  timeoutSeconds: number,
): Job =>
  defineJob({
    name: "sweep",
    run: async () => {
      const trace = { correlationId: randomUUID(), traceparent: nextTraceparent(undefined) };
      return { cancelled: await sweepStuckPayments(deps, timeoutSeconds, trace) };
    },
    logger: deps.logger,
    metrics: deps.jobMetrics,
  });

/**
 * Cancels orders that waited longer than the timeout for their payment (a lost payment event, a processor
 * that never answered). Each order is cancelled in its own transaction, re-checked inside it, so replicas
 * sweeping at once cancel each order once.
 */
export async function sweepStuckPayments(
  deps: SweepDeps,
  timeoutSeconds: number,
  trace: { correlationId: string; traceparent: string },
): Promise<number[]> {
  const cutoff = Date.now() - timeoutSeconds * 1000;
  const stuck = await deps.database.db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.status, "awaiting_payment"), lt(orders.awaitingPaymentSince, cutoff)));
  const cancelled: number[] = [];
  for (const { id } of stuck) {
    const done = await deps.outbox.write(trace, async (tx, emit) => {
      const order = await findOrder(tx, id);
      if (!order || order.status !== "awaiting_payment" || (order.awaitingPaymentSince ?? Infinity) >= cutoff)
        return false;
      return cancelOrder(
        tx,
        emit,
        order,
        `payment not received within ${timeoutSeconds} seconds`,
        "payment timed out",
      );
    });
    if (done) {
      cancelled.push(id);
      deps.metrics.outcomes.inc({ outcome: "cancelled" });
    }
  }
  return cancelled;
}
