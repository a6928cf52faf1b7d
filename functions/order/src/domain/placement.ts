import { createHash } from "node:crypto";
import type { Tx } from "@bazaar/shared/db";
import { Conflict, Invalid } from "@bazaar/shared/errors";
import { formatUsd } from "@bazaar/shared/money";
import type { Emit, TraceContext } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { orderItems, orders } from "../db/schema";
import { eventItems, recordStep, type Order } from "./orders";
import type { PlaceOrderBody } from "@bazaar/shared/api";
import type { CatalogClient, CatalogProduct } from "./catalog-client";

export interface PricedItem {
  productId: number;
  productName: string;
  quantity: number;
  unitPriceCents: number;
}

/** Both request shapes as one list, with repeated products merged. */
export function requestedItems(body: PlaceOrderBody): { productId: number; quantity: number }[] {
  const list = "items" in body ? body.items : [{ product_id: body.product_id, quantity: body.quantity }];
  const merged = new Map<number, number>();
  for (const item of list) merged.set(item.product_id, (merged.get(item.product_id) ?? 0) + item.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/** Same body, same fingerprint: a replayed Idempotency-Key with a different body is a client bug. */
export const fingerprintOf = (body: PlaceOrderBody): string =>
  createHash("sha256").update(JSON.stringify(body)).digest("hex");

/**
 * Prices every item from the catalog and refuses at once what cannot succeed: unknown products (400) and
 * quantities beyond what is available now (409). Stock is still reserved by the saga, which settles races.
 */
export async function priceItems(
  catalog: CatalogClient,
  wanted: { productId: number; quantity: number }[],
  trace: TraceContext,
): Promise<PricedItem[]> {
  const products = await Promise.all(wanted.map((item) => catalog.product(item.productId, trace)));
  const unknown = wanted.filter((_, index) => !products[index]);
  if (unknown.length > 0) {
    const ids = unknown.map((item) => item.productId).join(", ");
    throw new Invalid(`unknown product ${ids}`, {
      issues: unknown.map((item) => ({
        field: "product_id",
        message: `product ${item.productId} does not exist`,
      })),
    });
  }
  const priced = wanted.map((item, index) => ({ item, product: products[index] as CatalogProduct }));
  const short = priced.filter(({ item, product }) => product.available < item.quantity);
  if (short.length > 0) {
    const detail = short
      .map(
        ({ item, product }) => `${product.name}: ${item.quantity} requested, ${product.available} available`,
      )
      .join("; ");
    throw new Conflict(`not enough stock: ${detail}`);
  }
  return priced.map(({ item, product }) => ({
    productId: product.id,
    productName: product.name,
    quantity: item.quantity,
    unitPriceCents: product.priceCents,
  }));
}

export interface NewOrder {
  customerId: number;
  items: PricedItem[];
  paymentMethod: string;
  shippingAddress: string | null;
  idempotencyKey: string | null;
  requestFingerprint: string;
}

/** Writes a pending order, its lines and first timeline step, and emits order.placed: the saga's first step. */
export async function recordPlacedOrder(tx: Tx<OrderSchema>, emit: Emit, order: NewOrder): Promise<Order> {
  const now = new Date().toISOString();
  const totalCents = order.items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
  const [row] = await tx
    .insert(orders)
    .values({
      customerId: order.customerId,
      status: "pending",
      totalCents,
      paymentMethod: order.paymentMethod,
      shippingAddress: order.shippingAddress,
      idempotencyKey: order.idempotencyKey,
      requestFingerprint: order.requestFingerprint,
      createdAt: now,
      updatedAt: now,
      placedAtMs: Date.now(),
    })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  await tx.insert(orderItems).values(order.items.map((item) => ({ orderId: row.id, ...item })));
  await recordStep(
    tx,
    row.id,
    "bazaar.order.placed",
    "pending",
    `${order.items.length} product(s), total ${formatUsd(totalCents)}`,
  );
  emit(
    "bazaar.order.placed",
    {
      order_id: row.id,
      customer_id: order.customerId,
      items: eventItems(order.items),
      total_cents: totalCents,
      payment_method: order.paymentMethod,
      shipping_address: order.shippingAddress,
    },
    row.id,
  );
  return row;
}
