import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { recordStep, updateOrder } from "../domain/orders";
import { withOrder } from "./order-steps";

/** A confirmed order's shipment is booked: its tracking number is kept; the status stays confirmed. */
export const onShipmentScheduled: EventHandler<OrderSchema, "bazaar.shipment.scheduled"> = async (
  event,
  context,
) =>
  withOrder(context, event.data.order_id, async (order) => {
    if (order.status !== "confirmed" || order.shippingStatus !== "not_scheduled") return "stale";
    const { carrier, tracking_number, estimated_delivery } = event.data;
    await updateOrder(context.tx, order.id, { shippingStatus: "scheduled", trackingNumber: tracking_number });
    await recordStep(
      context.tx,
      order.id,
      event.type,
      order.status,
      `shipment with ${carrier} (${tracking_number}), expected ${estimated_delivery}`,
    );
    return "applied";
  });
