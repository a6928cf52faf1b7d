import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { InventorySchema } from "../db";
import { commitOrder, releaseOrder, reserveOrder } from "../domain/reservations";

/**
 * The inventory's part of the order saga, and the closing of deleted accounts (staff and admins write the
 * catalog). Each handler runs in the receiver's one transaction (with the (source, id) dedupe), so a change
 * and the events it causes commit together. Late or repeated events answer "stale" and change nothing.
 */
export const inventoryHandlers = (): EventHandlers<InventorySchema> => ({
  "bazaar.order.placed": async (event, { tx, emit, log }) => {
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
  },

  "bazaar.order.confirmed": async (event, { tx, emit }) => {
    const { order_id, items } = event.data;
    if (!(await commitOrder(tx, order_id, items))) return "stale";
    emit("bazaar.inventory.committed", { order_id }, order_id);
    return "applied";
  },

  "bazaar.order.cancelled": async (event, { tx, emit }) => {
    const { order_id, reason } = event.data;
    const result = await releaseOrder(tx, order_id, reason);
    if (result === "released") emit("bazaar.inventory.released", { order_id }, order_id);
    return result === "nothing" ? "stale" : "applied";
  },

  "bazaar.customer.deleted": closeAccount,
  "bazaar.customer.role_changed": recordRoleChange,
});
