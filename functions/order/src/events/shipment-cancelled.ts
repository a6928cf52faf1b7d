import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { note } from "./order-steps";

/** The compensation of a cancelled order's shipment: noted, with the shipping status. */
export const onShipmentCancelled: EventHandler<OrderSchema, "bazaar.shipment.cancelled"> = async (
  event,
  context,
) => note(context, event.data.order_id, event.type, "shipment cancelled", { shippingStatus: "cancelled" });
