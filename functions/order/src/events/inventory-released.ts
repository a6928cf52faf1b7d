import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { note } from "./order-steps";

/** The compensation of a cancelled order's reservation: noted on the timeline. */
export const onInventoryReleased: EventHandler<OrderSchema, "bazaar.inventory.released"> = async (
  event,
  context,
) => note(context, event.data.order_id, event.type, "reserved stock released");
