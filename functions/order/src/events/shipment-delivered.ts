import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import type { OrderMetrics } from "../domain/metrics";
import { moveTo } from "../domain/orders";
import { outcomeOf, withOrder } from "./order-steps";

/** The parcel arrived: the order is delivered, and counted once that has committed. */
export const onShipmentDelivered =
  (metrics: OrderMetrics): EventHandler<OrderSchema, "bazaar.shipment.delivered"> =>
  async (event, context) =>
    withOrder(context, event.data.order_id, async (order) => {
      const moved = await moveTo(context.tx, order, "delivered", {
        event: event.type,
        detail: "delivered",
        changes: { shippingStatus: "delivered", trackingNumber: event.data.tracking_number },
      });
      if (moved) {
        context.emit(
          "bazaar.order.status_changed",
          {
            order_id: order.id,
            customer_id: order.customerId,
            status: "delivered",
            previous_status: order.status,
          },
          order.id,
        );
        context.afterCommit(() => metrics.outcomes.inc({ outcome: "delivered" }));
      }
      return outcomeOf(moved);
    });
