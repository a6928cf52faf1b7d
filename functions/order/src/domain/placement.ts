import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { quantitiesByProduct, type PlaceOrderBody } from "@bazaar/shared/api/order";
import type { Database, Tx } from "@bazaar/shared/db";
import { Conflict, Invalid } from "@bazaar/shared/errors";
import type { Emit, Outbox, TraceContext } from "@bazaar/shared/events";
import { formatUsd } from "@bazaar/shared/money";
import type { OrderSchema } from "../db";
import { orderItems, orders } from "../db/schema";
import { eventItems, findByIdempotencyKey, orderFields, recordStep, type Order } from "./orders";

/** A product as the catalog shows it now, with the stock available to order. */
export interface CatalogProduct {
  id: number;
  name: string;
  priceCents: number;
  available: number;
}

/** Where placement prices items: the inventory function's catalog (clients/catalog.ts), a stand-in in tests. */
export interface CatalogClient {
  /** The product as the inventory function shows it now, or undefined if there is no such product. */
  product(id: number, trace: TraceContext): Promise<CatalogProduct | undefined>;
}

export interface PricedItem {
  productId: number;
  productName: string;
  quantity: number;
  unitPriceCents: number;
}

/** Both request shapes as one list, with repeated products merged. */
export function requestedItems(body: PlaceOrderBody): { productId: number; quantity: number }[] {
  const list = "items" in body ? body.items : [{ product_id: body.product_id, quantity: body.quantity }];
  return [...quantitiesByProduct(list)].map(([productId, quantity]) => ({ productId, quantity }));
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
  const [row] = await tx.all<Order>(sql`
    insert into ${orders} (customer_id, status, total_cents, payment_method, shipping_address,
      idempotency_key, request_fingerprint, created_at, updated_at, placed_at_ms)
    values (${order.customerId}, ${"pending"}, ${totalCents}, ${order.paymentMethod}, ${order.shippingAddress},
      ${order.idempotencyKey}, ${order.requestFingerprint}, ${now}, ${now}, ${Date.now()})
    returning ${orderFields}`);
  if (!row) throw new Error("insert returned nothing");
  const lines = order.items.map(
    (item) =>
      sql`(${row.id}, ${item.productId}, ${item.productName}, ${item.quantity}, ${item.unitPriceCents})`,
  );
  await tx.run(sql`
    insert into ${orderItems} (order_id, product_id, product_name, quantity, unit_price_cents)
    values ${sql.join(lines, sql`, `)}`);
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

/** What placing an order takes: where it is written, where its prices come from, how many lines it may have. */
export interface PlacementDeps {
  database: Database<OrderSchema>;
  outbox: Outbox<OrderSchema>;
  catalog: CatalogClient;
  maxItems: number;
}

export interface PlaceOrderRequest {
  customerId: number;
  body: PlaceOrderBody;
  idempotencyKey: string | undefined;
}

/**
 * Places an order, or with an Idempotency-Key already used by this customer, finds the order it placed
 * (`replayed`); the same key with a different request is a 409.
 */
export async function placeOrder(
  deps: PlacementDeps,
  request: PlaceOrderRequest,
  trace: TraceContext,
): Promise<{ order: Order; replayed: boolean }> {
  const { customerId, body, idempotencyKey: key } = request;
  const fingerprint = fingerprintOf(body);
  const replayOf = (existing: Order) => {
    if (existing.requestFingerprint !== fingerprint)
      throw new Conflict("this Idempotency-Key was already used with a different request");
    return { order: existing, replayed: true };
  };
  if (key) {
    const existing = await findByIdempotencyKey(deps.database.db, customerId, key);
    if (existing) return replayOf(existing);
  }

  const wanted = requestedItems(body);
  if (wanted.length > deps.maxItems)
    throw new Invalid(`an order holds at most ${deps.maxItems} different products`);
  const items = await priceItems(deps.catalog, wanted, trace);

  const placed = await deps.outbox.write(trace, async (tx, emit) => {
    // Checked again inside the write: two requests with one key may race past the check above.
    const raced = key ? await findByIdempotencyKey(tx, customerId, key) : undefined;
    if (raced) return { order: raced, replayed: true };
    const order = await recordPlacedOrder(tx, emit, {
      customerId,
      items,
      paymentMethod: body.payment_method ?? "tok_visa",
      shippingAddress: body.shipping_address ?? null,
      idempotencyKey: key ?? null,
      requestFingerprint: fingerprint,
    });
    return { order, replayed: false };
  });
  return placed.replayed ? replayOf(placed.order) : placed;
}
