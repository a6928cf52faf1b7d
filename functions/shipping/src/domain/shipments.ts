import { and, count, desc, eq } from "drizzle-orm";
import type { Db } from "@bazaar/shared/db";
import type { ShippingSchema } from "../db";
import { shipments } from "../db/schema";

export type Shipment = typeof shipments.$inferSelect;

/** What the API shows of a shipment, in the original's snake_case. */
export const shipmentView = (s: Shipment) => ({
  id: s.id,
  order_id: s.orderId,
  customer_id: s.customerId,
  carrier: s.carrier,
  tracking_number: s.trackingNumber,
  status: s.status,
  shipping_address: s.shippingAddress,
  estimated_delivery: s.estimatedDelivery,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

/** A shipment by its id, its order's id or its tracking number. */
export async function findShipment(
  db: Db<ShippingSchema>,
  by: { id: number } | { orderId: number } | { trackingNumber: string },
): Promise<Shipment | undefined> {
  const where =
    "id" in by
      ? eq(shipments.id, by.id)
      : "orderId" in by
        ? eq(shipments.orderId, by.orderId)
        : eq(shipments.trackingNumber, by.trackingNumber);
  const [found] = await db.select().from(shipments).where(where);
  return found;
}

export interface ShipmentListQuery {
  /** Only this customer's shipments, if given. */
  customerId: number | undefined;
  status: Shipment["status"] | undefined;
  limit: number;
  page: number;
}

/** One page of shipments, newest first, and how many shipments match in all. */
export async function listShipments(db: Db<ShippingSchema>, query: ShipmentListQuery) {
  const where = and(
    query.customerId === undefined ? undefined : eq(shipments.customerId, query.customerId),
    query.status ? eq(shipments.status, query.status) : undefined,
  );
  const rows = await db
    .select()
    .from(shipments)
    .where(where)
    .orderBy(desc(shipments.id))
    .limit(query.limit)
    .offset((query.page - 1) * query.limit);
  const [total] = await db.select({ n: count() }).from(shipments).where(where);
  return { shipments: rows.map(shipmentView), total: total?.n ?? 0 };
}
