import { and, asc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "@bazaar/shared/db";
import type { Emit } from "@bazaar/shared/events";
import { toDecimal } from "@bazaar/shared/money";
import type { OrderSchema } from "../db";
import { orderItems, orders, orderTimeline, type OrderStatus } from "../db/schema";
import { assignments, fieldsOf } from "./columns";
import { canMove } from "./state-machine";

export type Order = typeof orders.$inferSelect;
export type OrderItem = typeof orderItems.$inferSelect;
type Reader = Db<OrderSchema> | Tx<OrderSchema>;

/** The select list of a whole `Order` row, for statements written with the `sql` template. */
export const orderFields = fieldsOf(orders);
const itemFields = fieldsOf(orderItems);

export async function findOrder(reader: Reader, id: number): Promise<Order | undefined> {
  const [row] = await reader.all<Order>(sql`select ${orderFields} from ${orders} where id = ${id}`);
  return row;
}

export async function findByIdempotencyKey(
  reader: Reader,
  customerId: number,
  key: string,
): Promise<Order | undefined> {
  const [row] = await reader
    .select()
    .from(orders)
    .where(and(eq(orders.customerId, customerId), eq(orders.idempotencyKey, key)));
  return row;
}

/** Order lines as the catalog's events carry them. */
export const eventItems = (items: { productId: number; quantity: number; unitPriceCents: number }[]) =>
  items.map((item) => ({
    product_id: item.productId,
    quantity: item.quantity,
    unit_price_cents: item.unitPriceCents,
  }));

export const itemsOf = (reader: Reader, orderId: number): Promise<OrderItem[]> =>
  reader.all<OrderItem>(sql`select ${itemFields} from ${orderItems} where order_id = ${orderId} order by id`);

export const timelineOf = (reader: Reader, orderId: number) =>
  reader
    .select()
    .from(orderTimeline)
    .where(eq(orderTimeline.orderId, orderId))
    .orderBy(asc(orderTimeline.id));

/** Sets the given fields of one order. */
export async function updateOrder(tx: Tx<OrderSchema>, id: number, changes: Partial<Order>): Promise<void> {
  await tx.run(sql`update ${orders} set ${assignments(orders, changes)} where id = ${id}`);
}

/** Appends a line to the order's timeline: what happened, and the status it left the order in. */
export async function recordStep(
  tx: Tx<OrderSchema>,
  orderId: number,
  event: string,
  status: OrderStatus,
  detail: string,
): Promise<void> {
  await tx.run(sql`
    insert into ${orderTimeline} (order_id, at, event, status, detail)
    values (${orderId}, ${new Date().toISOString()}, ${event}, ${status}, ${detail})`);
}

/**
 * Moves an order to a new status if the state machine allows it, with the other column changes and a
 * timeline line. Returns false (nothing written) when the move is illegal: the caller treats it as stale.
 */
export async function moveTo(
  tx: Tx<OrderSchema>,
  order: Order,
  to: OrderStatus,
  step: { event: string; detail: string; changes?: Partial<Order> },
): Promise<boolean> {
  if (!canMove(order.status, to)) return false;
  await updateOrder(tx, order.id, { ...step.changes, status: to, updatedAt: new Date().toISOString() });
  await recordStep(tx, order.id, step.event, to, step.detail);
  return true;
}

/** Cancels with compensation: order.cancelled tells inventory to release, payment to refund, shipping to stop. */
export async function cancelOrder(
  tx: Tx<OrderSchema>,
  emit: Emit,
  order: Order,
  reason: string,
  event: string,
): Promise<boolean> {
  const moved = await moveTo(tx, order, "cancelled", {
    event,
    detail: reason,
    changes: { reason, awaitingPaymentSince: null },
  });
  if (moved) {
    emit(
      "bazaar.order.cancelled",
      { order_id: order.id, customer_id: order.customerId, reason, previous_status: order.status },
      order.id,
    );
  }
  return moved;
}

const itemView = (item: OrderItem) => ({
  product_id: item.productId,
  product_name: item.productName,
  quantity: item.quantity,
  unit_price: toDecimal(item.unitPriceCents),
  subtotal: toDecimal(item.unitPriceCents * item.quantity),
});

/** The API shape: the original's fields (id, user/customer, product_id, quantity, total_price, status) and more. */
export function orderView(
  order: Order,
  items: OrderItem[],
  timeline?: (typeof orderTimeline.$inferSelect)[],
) {
  const [first] = items;
  return {
    id: order.id,
    order_id: order.id,
    customer_id: order.customerId,
    user_id: order.customerId,
    status: order.status,
    payment_status: order.paymentStatus,
    shipping_status: order.shippingStatus,
    tracking_number: order.trackingNumber,
    total_price: toDecimal(order.totalCents),
    payment_method: order.paymentMethod,
    shipping_address: order.shippingAddress,
    reason: order.reason,
    items: items.map(itemView),
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    // Single-product orders, as the original placed them, keep its flat fields.
    ...(items.length === 1 && first ? { product_id: first.productId, quantity: first.quantity } : {}),
    ...(timeline
      ? { timeline: timeline.map(({ at, event, status, detail }) => ({ at, event, status, detail })) }
      : {}),
  };
}
