import type { EventHandler } from "@bazaar/shared/events";
import { formatUsd } from "@bazaar/shared/money";
import type { OrderSchema } from "../db";
import { assertAmountIsTotal } from "../domain/known-facts";
import type { OrderMetrics } from "../domain/metrics";
import { eventItems, itemsOf, moveTo, recordStep } from "../domain/orders";
import { withOrder } from "./order-steps";

/** Paid: the order is confirmed and handed on for shipping; counted (and timed) once that has committed. */
export const onPaymentSucceeded =
  (metrics: OrderMetrics): EventHandler<OrderSchema, "bazaar.payment.succeeded"> =>
  async (event, context) =>
    withOrder(context, event.data.order_id, async (order) => {
      // Checked even when the order has ended: a capture that cannot be true must reach an operator.
      assertAmountIsTotal(order, event.type, event.data.amount_cents);
      const moved = await moveTo(context.tx, order, "confirmed", {
        event: event.type,
        detail: `payment of ${formatUsd(event.data.amount_cents)} captured`,
        changes: { paymentStatus: "captured", awaitingPaymentSince: null },
      });
      if (!moved) {
        // Paid after the order was cancelled: payment refunds it on order.cancelled; keep the record straight.
        await recordStep(
          context.tx,
          order.id,
          event.type,
          order.status,
          "payment captured after the order ended; it will be refunded",
        );
        return "stale";
      }
      const items = await itemsOf(context.tx, order.id);
      context.emit(
        "bazaar.order.confirmed",
        {
          order_id: order.id,
          customer_id: order.customerId,
          items: eventItems(items),
          total_cents: order.totalCents,
          shipping_address: order.shippingAddress,
        },
        order.id,
      );
      context.afterCommit(() => {
        metrics.outcomes.inc({ outcome: "confirmed" });
        metrics.placedToConfirmed.observe((Date.now() - order.placedAtMs) / 1000);
      });
      return "applied";
    });
