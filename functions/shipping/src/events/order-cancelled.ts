import { eq } from "drizzle-orm";
import type { EventHandler } from "@bazaar/shared/events";
import type { ShippingSchema } from "../db";
import { cancelledOrders, shipments } from "../db/schema";
import { canCancel } from "../domain/transitions";

/**
 * Compensation: cancels a shipment that has not left yet and emits shipment.cancelled. With no shipment
 * yet, records a tombstone so a late order.confirmed schedules nothing. A dispatched or delivered shipment
 * is beyond recall: stale, and a warning for the operators.
 */
export const onOrderCancelled: EventHandler<ShippingSchema, "bazaar.order.cancelled"> = async (
  event,
  { tx, emit, log },
) => {
  const { order_id, customer_id, reason } = event.data;
  const now = new Date().toISOString();
  const [shipment] = await tx.select().from(shipments).where(eq(shipments.orderId, order_id));

  if (!shipment) {
    const recorded = await tx
      .insert(cancelledOrders)
      .values({ orderId: order_id, customerId: customer_id, reason, cancelledAt: now })
      .onConflictDoNothing()
      .returning({ orderId: cancelledOrders.orderId });
    return recorded.length > 0 ? "applied" : "stale";
  }
  if (!canCancel(shipment.status)) {
    if (shipment.status === "cancelled") log.info("the shipment is already cancelled");
    else
      log.warn(
        { status: shipment.status },
        "the order was cancelled after its shipment left; too late to stop it",
      );
    return "stale";
  }
  await tx
    .update(shipments)
    .set({ status: "cancelled", updatedAt: now })
    .where(eq(shipments.id, shipment.id));
  emit(
    "bazaar.shipment.cancelled",
    { order_id, customer_id: shipment.customerId, shipment_id: shipment.id },
    order_id,
  );
  return "applied";
};
