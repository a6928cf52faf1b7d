import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { ShippingSchema } from "../db";
import type { SchedulingSettings } from "../deps";
import { onOrderCancelled } from "./order-cancelled";
import { onOrderConfirmed } from "./order-confirmed";

/** The events this function subscribes to (one Trigger each). */
export const shippingEventHandlers = (scheduling: SchedulingSettings): EventHandlers<ShippingSchema> => ({
  "bazaar.order.confirmed": onOrderConfirmed(scheduling),
  "bazaar.order.cancelled": onOrderCancelled,
  "bazaar.customer.deleted": closeAccount,
  "bazaar.customer.role_changed": recordRoleChange,
});
