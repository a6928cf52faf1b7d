import type { EventHandler } from "@bazaar/shared/events";
import type { InventorySchema } from "../db";
import { reserveOrder } from "../domain/reservations";

/** Reserves the order's stock (inventory.reserved) or rejects it naming the shortages (inventory.rejected). */
export const onOrderPlaced: EventHandler<InventorySchema, "bazaar.order.placed"> = async (
  event,
  { tx, emit, log },
) => {
  const { order_id, items } = event.data;
  const result = await reserveOrder(tx, order_id, items);
  switch (result.outcome) {
    case "already-settled":
      return "stale";
    case "reserved":
      emit("bazaar.inventory.reserved", { order_id, items: result.items }, order_id);
      return "applied";
    case "rejected":
      log.info({ reason: result.reason, shortages: result.shortages }, "reservation rejected");
      emit(
        "bazaar.inventory.rejected",
        { order_id, reason: result.reason, shortages: result.shortages },
        order_id,
      );
      return "applied";
  }
};
