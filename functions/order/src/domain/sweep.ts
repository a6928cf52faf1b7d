import { and, eq, lt } from "drizzle-orm";
import type { Database } from "@bazaar/shared/db";
import type { Outbox } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { orders } from "../db/schema";
import type { OrderMetrics } from "./metrics";
import { cancelOrder, findOrder } from "./orders";

/**
 * Cancels orders that waited longer than the timeout for their payment (a lost payment event, a processor
 * that never answered). Runs on a timer in dev and on a PingSource in a cluster, where a scaled-to-zero
 * function has no timers. Each order is cancelled in its own transaction, re-checked inside it.
 */
export async function sweepStuckPayments(
  deps: { database: Database<OrderSchema>; outbox: Outbox<OrderSchema>; metrics: OrderMetrics },
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
