import type { EventHandler } from "@bazaar/shared/events";
import type { InventorySchema } from "../db";
import { releaseOrder } from "../domain/reservations";

/** Compensation: a cancelled order's reservation goes back to the stock (inventory.released). */
export const onOrderCancelled: EventHandler<InventorySchema, "bazaar.order.cancelled"> = async (
  event,
  { tx, emit },
) => {
  const { order_id, reason } = event.data;
  const result = await releaseOrder(tx, order_id, reason);
  if (result === "released") emit("bazaar.inventory.released", { order_id }, order_id);
  return result === "nothing" ? "stale" : "applied";
};
