import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { PaymentSchema } from "../db";
import type { Settler } from "../domain/settlement";
import { onOrderCancelled } from "./order-cancelled";
import { onPaymentRequested } from "./payment-requested";

/** The events this function subscribes to (one Trigger each). */
export const paymentEventHandlers = (settler: Pick<Settler, "kick">): EventHandlers<PaymentSchema> => ({
  "bazaar.payment.requested": onPaymentRequested(settler),
  "bazaar.order.cancelled": onOrderCancelled,
  "bazaar.customer.deleted": closeAccount,
  "bazaar.customer.role_changed": recordRoleChange,
});
