import { eq } from "drizzle-orm";
import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { orders } from "../db/schema";
import type { OrderMetrics } from "../domain/metrics";
import { cancelOrder } from "../domain/orders";
import { outcomeOf, withOrder } from "./order-steps";

/** The charge failed: the order is cancelled (stock released by the compensation), counted once committed. */
export const onPaymentFailed =
  (metrics: OrderMetrics): EventHandler<OrderSchema, "bazaar.payment.failed"> =>
  async (event, context) =>
    withOrder(context, event.data.order_id, async (order) => {
      if (order.status !== "awaiting_payment") return "stale";
      await context.tx.update(orders).set({ paymentStatus: "failed" }).where(eq(orders.id, order.id));
      const cancelled = await cancelOrder(
        context.tx,
        context.emit,
        order,
        `payment failed: ${event.data.reason}`,
        event.type,
      );
      if (cancelled) context.afterCommit(() => metrics.outcomes.inc({ outcome: "cancelled" }));
      return outcomeOf(cancelled);
    });
