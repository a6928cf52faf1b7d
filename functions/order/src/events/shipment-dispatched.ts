import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { moveTo } from "../domain/orders";
import { outcomeOf, withOrder } from "./order-steps";

/** The parcel left: the order is shipped. */
export const onShipmentDispatched: EventHandler<OrderSchema, "bazaar.shipment.dispatched"> = async (
  event,
  context,
) =>
  withOrder(context, event.data.order_id, async (order) => {
    const moved = await moveTo(context.tx, order, "shipped", {
      event: event.type,
      detail: `dispatched (${event.data.tracking_number})`,
      changes: { shippingStatus: "dispatched", trackingNumber: event.data.tracking_number },
    });
    if (moved)
      context.emit(
        "bazaar.order.status_changed",
        {
          order_id: order.id,
          customer_id: order.customerId,
          status: "shipped",
          previous_status: order.status,
        },
        order.id,
      );
    return outcomeOf(moved);
  });
