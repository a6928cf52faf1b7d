import { eq } from "drizzle-orm";
import type { EventHandler } from "@bazaar/shared/events";
import type { ShippingSchema } from "../db";
import { cancelledOrders, shipments } from "../db/schema";
import type { SchedulingSettings } from "../deps";
import { addBusinessDays } from "../domain/delivery-date";
import { carrierFor, newTrackingNumber } from "../domain/labels";

/**
 * Schedules the order's one shipment and emits shipment.scheduled. Stale when the order already has a
 * shipment (a second confirmation) or was cancelled before this confirmation arrived (a tombstone).
 */
export const onOrderConfirmed =
  (settings: SchedulingSettings): EventHandler<ShippingSchema, "bazaar.order.confirmed"> =>
  async (event, { tx, emit, log }) => {
    const { order_id, customer_id, shipping_address } = event.data;
    const [tombstone] = await tx.select().from(cancelledOrders).where(eq(cancelledOrders.orderId, order_id));
    if (tombstone) {
      log.info("the order was cancelled before it was confirmed; nothing is scheduled");
      return "stale";
    }
    const [existing] = await tx
      .select({ id: shipments.id })
      .from(shipments)
      .where(eq(shipments.orderId, order_id));
    if (existing) {
      log.info({ shipment_id: existing.id }, "the order already has a shipment");
      return "stale";
    }

    const now = new Date().toISOString();
    const [shipment] = await tx
      .insert(shipments)
      .values({
        orderId: order_id,
        customerId: customer_id,
        carrier: carrierFor(order_id),
        // A clash on the unique tracking number (odds 1 in 36^12) fails the event; the retry draws anew.
        trackingNumber: newTrackingNumber(),
        status: "scheduled",
        shippingAddress: shipping_address,
        estimatedDelivery: addBusinessDays(settings.clock(), settings.businessDays),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!shipment) throw new Error("insert returned nothing");
    emit(
      "bazaar.shipment.scheduled",
      {
        order_id,
        customer_id,
        shipment_id: shipment.id,
        carrier: shipment.carrier,
        tracking_number: shipment.trackingNumber,
        estimated_delivery: shipment.estimatedDelivery,
      },
      order_id,
    );
    return "applied";
  };
