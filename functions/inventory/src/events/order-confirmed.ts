import type { EventHandler } from "@bazaar/shared/events";
import type { InventorySchema } from "../db";
import { commitOrder } from "../domain/reservations";

/** The paid order's reservation leaves the stock for good (inventory.committed). */
export const onOrderConfirmed: EventHandler<InventorySchema, "bazaar.order.confirmed"> = async (
  event,
  { tx, emit },
) => {
  const { order_id, items } = event.data;
  if (!(await commitOrder(tx, order_id, items))) return "stale";
  emit("bazaar.inventory.committed", { order_id }, order_id);
  return "applied";
};
