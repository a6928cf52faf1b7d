import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { PaymentSchema } from "../db";
import { onOrderCancelled } from "./order-cancelled";
import { onPaymentRequested } from "./payment-requested";

/** The events this function subscribes to (one Trigger each). */
export const paymentEventHandlers: EventHandlers<PaymentSchema> = {
  "bazaar.payment.requested": onPaymentRequested,
  "bazaar.order.cancelled": onOrderCancelled,
  "bazaar.customer.deleted": closeAccount,
  "bazaar.customer.role_changed": recordRoleChange,
};
