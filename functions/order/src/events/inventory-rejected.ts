import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import type { OrderMetrics } from "../domain/metrics";
import { moveTo } from "../domain/orders";
import { outcomeOf, withOrder } from "./order-steps";

/** Not enough stock: the order is rejected, and counted once that has committed. */
export const onInventoryRejected =
  (metrics: OrderMetrics): EventHandler<OrderSchema, "bazaar.inventory.rejected"> =>
  async (event, context) =>
    withOrder(context, event.data.order_id, async (order) => {
      const reason = event.data.reason;
      const moved = await moveTo(context.tx, order, "rejected", {
        event: event.type,
        detail: reason,
        changes: { reason, paymentStatus: "not_required" },
      });
      if (moved) {
        context.emit(
          "bazaar.order.rejected",
          { order_id: order.id, customer_id: order.customerId, reason },
          order.id,
        );
        context.afterCommit(() => metrics.outcomes.inc({ outcome: "rejected" }));
      }
      return outcomeOf(moved);
    });
