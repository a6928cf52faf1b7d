import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { note } from "./order-steps";

/** Noted on the timeline; the status does not change. */
export const onInventoryCommitted: EventHandler<OrderSchema, "bazaar.inventory.committed"> = async (
  event,
  context,
) => note(context, event.data.order_id, event.type, "stock handed over for shipping");
