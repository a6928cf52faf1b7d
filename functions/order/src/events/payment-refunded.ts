import type { EventHandler } from "@bazaar/shared/events";
import { formatUsd } from "@bazaar/shared/money";
import type { OrderSchema } from "../db";
import { assertAmountIsTotal } from "../domain/known-facts";
import { noteOn, withOrder } from "./order-steps";

/** The compensation of a cancelled, paid order: noted, with the payment status. */
export const onPaymentRefunded: EventHandler<OrderSchema, "bazaar.payment.refunded"> = async (
  event,
  context,
) =>
  withOrder(context, event.data.order_id, async (order) => {
    assertAmountIsTotal(order, event.type, event.data.amount_cents);
    return noteOn(context, order, event.type, `refunded ${formatUsd(event.data.amount_cents)}`, {
      paymentStatus: "refunded",
    });
  });
