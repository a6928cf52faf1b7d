import { sql } from "drizzle-orm";
import type { EventHandler } from "@bazaar/shared/events";
import type { ShippingSchema } from "../db";
import { cancelledOrders, shipments } from "../db/schema";
import type { SchedulingSettings } from "../deps";
import { addBusinessDays } from "../domain/delivery-date";
import { carrierFor, newTrackingNumber } from "../domain/labels";

interface Standing {
  cancelled: number;
  shipmentId: number | null;
}

/**
 * Schedules the order's one shipment and emits shipment.scheduled. Stale when the order already has a
 * shipment (a second confirmation) or was cancelled before this confirmation arrived (a tombstone).
 * Every confirmed order runs it, so its two statements are written with drizzle's sql template: the query
 * builders spent two to three times their CPU rebuilding them (2026-12-03).
 */
export const onOrderConfirmed =
  (settings: SchedulingSettings): EventHandler<ShippingSchema, "bazaar.order.confirmed"> =>
  async (event, { tx, emit, log }) => {
    const { order_id, customer_id, shipping_address } = event.data;
    const standing = await tx.get<Standing>(sql`
      select exists(select 1 from ${cancelledOrders} where order_id = ${order_id}) as cancelled,
        (select id from ${shipments} where order_id = ${order_id}) as shipmentId`);
    if (standing.cancelled === 1) {
      log.info("the order was cancelled before it was confirmed; nothing is scheduled");
      return "stale";
    }
    if (standing.shipmentId !== null) {
      log.info({ shipment_id: standing.shipmentId }, "the order already has a shipment");
      return "stale";
    }

    const now = new Date().toISOString();
    const carrier = carrierFor(order_id);
    // A clash on the unique tracking number (odds 1 in 36^12) fails the event; the retry draws anew.
    const trackingNumber = newTrackingNumber();
    const estimatedDelivery = addBusinessDays(settings.clock(), settings.businessDays);
    const [shipment] = await tx.all<{ id: number }>(sql`
      insert into ${shipments} (order_id, customer_id, carrier, tracking_number, status, shipping_address,
        estimated_delivery, created_at, updated_at)
      values (${order_id}, ${customer_id}, ${carrier}, ${trackingNumber}, ${"scheduled"}, ${shipping_address},
        ${estimatedDelivery}, ${now}, ${now})
      returning id`);
    if (!shipment) throw new Error("insert returned nothing");
    emit(
      "bazaar.shipment.scheduled",
      {
        order_id,
        customer_id,
        shipment_id: shipment.id,
        carrier,
        tracking_number: trackingNumber,
        estimated_delivery: estimatedDelivery,
      },
      order_id,
    );
    return "applied";
  };
