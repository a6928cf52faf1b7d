import type { shipments } from "../db/schema";

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
