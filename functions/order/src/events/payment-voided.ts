import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { assertCancelled } from "../domain/known-facts";
import { noteOn, withOrder } from "./order-steps";

/**
 * The compensation of a cancelled order whose payment was never captured: the charge under way was
 * discarded, or none was made. Noted, with the payment status; only a payment still pending can be voided.
 */
export const onPaymentVoided: EventHandler<OrderSchema, "bazaar.payment.voided"> = async (event, context) =>
  withOrder(context, event.data.order_id, async (order) => {
    assertCancelled(order, event.type);
    if (order.paymentStatus !== "pending") return "stale";
    return noteOn(context, order, event.type, "payment voided; nothing was charged", {
      paymentStatus: "voided",
    });
  });
