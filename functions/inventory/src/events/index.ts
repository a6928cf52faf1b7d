import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { InventorySchema } from "../db";
import { onOrderCancelled } from "./order-cancelled";
import { onOrderConfirmed } from "./order-confirmed";
import { onOrderPlaced } from "./order-placed";

/**
 * The events this function subscribes to (one Trigger each): the inventory's part of the order saga, and the
 * closing of deleted accounts (staff and admins write the catalog). Late or repeated events are stale.
 */
export const inventoryEventHandlers = (): EventHandlers<InventorySchema> => ({
  "bazaar.order.placed": onOrderPlaced,
  "bazaar.order.confirmed": onOrderConfirmed,
  "bazaar.order.cancelled": onOrderCancelled,
  "bazaar.customer.deleted": closeAccount,
  "bazaar.customer.role_changed": recordRoleChange,
});
