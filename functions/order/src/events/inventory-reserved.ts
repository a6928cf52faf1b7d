import type { EventHandler } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { assertReservedAsOrdered } from "../domain/known-facts";
import { itemsOf, moveTo } from "../domain/orders";
import { outcomeOf, withOrder } from "./order-steps";

/** Stock is held: the order awaits its payment, which is requested now. */
export const onInventoryReserved: EventHandler<OrderSchema, "bazaar.inventory.reserved"> = async (
  event,
  context,
) =>
  withOrder(context, event.data.order_id, async (order) => {
    assertReservedAsOrdered(order, await itemsOf(context.tx, order.id), event.data.items);
    const moved = await moveTo(context.tx, order, "awaiting_payment", {
      event: event.type,
      detail: "stock reserved; payment requested",
      changes: { awaitingPaymentSince: Date.now() },
    });
    if (moved) {
      context.emit(
        "bazaar.payment.requested",
        {
          order_id: order.id,
          customer_id: order.customerId,
          amount_cents: order.totalCents,
          payment_method: order.paymentMethod,
        },
        order.id,
      );
    }
    return outcomeOf(moved);
  });
