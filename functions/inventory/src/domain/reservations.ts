import { and, eq, ne, sql } from "drizzle-orm";
import type { Tx } from "@bazaar/shared/db";
import { Invalid, Unavailable } from "@bazaar/shared/errors";
import type { InventorySchema } from "../db";
import { orderTombstones, products, reservations } from "../db/schema";
import { now } from "./product-view";

// Every order's placing and confirming runs the statements below, so they are written with drizzle's sql
// template: its query builders spent two to three times their CPU rebuilding the same statements
// (2026-12-03).
type InventoryTx = Tx<InventorySchema>;
type Reservation = typeof reservations.$inferSelect;
type OrderTombstone = typeof orderTombstones.$inferSelect;

export interface OrderLine {
  product_id: number;
  quantity: number;
}

export interface Shortage {
  product_id: number;
  requested: number;
  available: number;
}

export type ReserveResult =
  | { outcome: "reserved"; items: OrderLine[] }
  | { outcome: "rejected"; reason: string; shortages: Shortage[] }
  /** The order was reserved or rejected before (a redelivery under another event id): nothing to do. */
  | { outcome: "already-settled" };

export const ORDER_CANCELLED = "order cancelled";

/** One line per product: an order may name the same product twice. */
export function mergeLines(items: readonly OrderLine[]): OrderLine[] {
  const merged = new Map<number, number>();
  for (const item of items) merged.set(item.product_id, (merged.get(item.product_id) ?? 0) + item.quantity);
  return [...merged].map(([product_id, quantity]) => ({ product_id, quantity }));
}

const shortageReason = (shortages: Shortage[]): string =>
  "insufficient stock: " +
  shortages
    .map((s) => `product ${s.product_id} (requested ${s.requested}, ${s.available} available)`)
    .join(", ");

/**
 * Reserves every line of an order or none. Runs inside the receiver's one write transaction, so the
 * availability check and the updates see the same stock; each update also carries the condition
 * `quantity - reserved >= n`, and a line that fails it rolls the whole transaction back (the broker retries
 * and the retry sees the shortage). Unknown products count as a shortage with nothing available.
 */
export async function reserveOrder(
  tx: InventoryTx,
  orderId: number,
  items: readonly OrderLine[],
): Promise<ReserveResult> {
  const settled = await tx.get<{ reserved: number; tombstone: OrderTombstone["kind"] | null }>(sql`
    select exists(select 1 from ${reservations} where order_id = ${orderId}) as reserved,
      (select kind from ${orderTombstones} where order_id = ${orderId}) as tombstone`);
  if (settled.reserved === 1 || settled.tombstone === "rejected") return { outcome: "already-settled" };
  if (settled.tombstone === "cancelled")
    return { outcome: "rejected", reason: ORDER_CANCELLED, shortages: [] };

  const lines = mergeLines(items);
  // The ids as one JSON array: one statement text whatever the number of lines.
  const stock = await tx.all<{ id: number; available: number }>(sql`
    select id, quantity - reserved as available from ${products}
    where id in (select value from json_each(${JSON.stringify(lines.map((l) => l.product_id))}))`);
  const availableOf = new Map(stock.map((s) => [s.id, s.available]));
  const shortages = lines
    .map((l) => ({
      product_id: l.product_id,
      requested: l.quantity,
      available: availableOf.get(l.product_id) ?? 0,
    }))
    .filter((s) => s.available < s.requested);
  const at = now();
  if (shortages.length > 0) {
    const reason = shortageReason(shortages);
    await tx.run(sql`
      insert into ${orderTombstones} (order_id, kind, reason, created_at)
      values (${orderId}, ${"rejected"}, ${reason}, ${at})`);
    return { outcome: "rejected", reason, shortages };
  }

  for (const line of lines) {
    const updated = await tx.run(sql`
      update ${products} set reserved = reserved + ${line.quantity}, updated_at = ${at}
      where id = ${line.product_id} and quantity - reserved >= ${line.quantity}`);
    if (updated.rowsAffected === 0)
      throw new Unavailable(`stock of product ${line.product_id} changed during the reservation; retry`);
  }
  const held = lines.map((l) => sql`(${orderId}, ${l.product_id}, ${l.quantity}, ${"held"}, ${at}, ${at})`);
  await tx.run(sql`
    insert into ${reservations} (order_id, product_id, quantity, status, created_at, updated_at)
    values ${sql.join(held, sql`, `)}`);
  return { outcome: "reserved", items: lines };
}

const describeLines = (lines: readonly OrderLine[]): string =>
  [...lines]
    .sort((a, b) => a.product_id - b.product_id)
    .map((line) => `${line.quantity} of product ${line.product_id}`)
    .join(", ");

/**
 * An order's lines are fixed at placement and reserved exactly, so a confirmation naming other lines than
 * the reservation cannot be true (a buggy or compromised producer): Invalid, so the receiver answers 5xx,
 * nothing is committed and the broker dead-letters the event where an operator sees it.
 */
function assertConfirmedAsReserved(
  orderId: number,
  reserved: readonly { productId: number; quantity: number }[],
  confirmed: readonly OrderLine[],
): void {
  // Reservations hold one line per product, so they need no merging.
  const lines = reserved.map((line) => ({ product_id: line.productId, quantity: line.quantity }));
  const named = mergeLines(confirmed);
  const unitsOf = new Map(lines.map((line) => [line.product_id, line.quantity]));
  if (named.length === lines.length && named.every((line) => unitsOf.get(line.product_id) === line.quantity))
    return;
  throw new Invalid(
    `bazaar.order.confirmed for order ${orderId} names ${describeLines(named)}, ` +
      `but ${describeLines(lines)} was reserved for it`,
  );
}

type ReservedLine = Pick<Reservation, "productId" | "quantity" | "status">;

const reservedLines = (tx: InventoryTx, orderId: number): Promise<ReservedLine[]> =>
  tx.all<ReservedLine>(sql`
    select product_id as productId, quantity, status from ${reservations} where order_id = ${orderId}`);

/**
 * Turns an order's held stock into sold stock, once its confirmation is checked against the reservation.
 * False when nothing is held (a duplicate or late event).
 */
export async function commitOrder(
  tx: InventoryTx,
  orderId: number,
  confirmed: readonly OrderLine[],
): Promise<boolean> {
  const lines = await reservedLines(tx, orderId);
  if (lines.length === 0) return false;
  assertConfirmedAsReserved(orderId, lines, confirmed);
  const held = lines.filter((line) => line.status === "held");
  if (held.length === 0) return false;
  const at = now();
  for (const line of held) {
    const n = line.quantity;
    const moved = await tx.run(sql`
      update ${products} set quantity = quantity - ${n}, reserved = reserved - ${n}, sold = sold + ${n},
        updated_at = ${at}
      where id = ${line.productId} and reserved >= ${n}`);
    // A held line always has its product (delete refuses reserved stock): anything else is corruption.
    if (moved.rowsAffected === 0)
      throw new Error(`product ${line.productId} lost the stock held for order ${orderId}`);
  }
  await tx.run(sql`
    update ${reservations} set status = ${"committed"}, updated_at = ${at}
    where order_id = ${orderId} and status = ${"held"}`);
  return true;
}

export type ReleaseResult = "released" | "tombstoned" | "nothing";

/**
 * Compensation for a cancelled order. Held stock becomes available again; committed stock (a confirmed
 * order cancelled before shipping) goes back on the shelf. With no reservation yet, a tombstone makes a late
 * order.placed reserve nothing.
 */
export async function releaseOrder(tx: InventoryTx, orderId: number, reason: string): Promise<ReleaseResult> {
  const lines = await reservedLines(tx, orderId);
  const at = now();
  if (lines.length === 0) {
    const inserted = await tx
      .insert(orderTombstones)
      .values({ orderId, kind: "cancelled", reason, createdAt: at })
      .onConflictDoNothing()
      .returning({ orderId: orderTombstones.orderId });
    return inserted.length > 0 ? "tombstoned" : "nothing";
  }
  const open = lines.filter((l) => l.status !== "released");
  if (open.length === 0) return "nothing";
  for (const line of open) {
    const n = line.quantity;
    const restore =
      line.status === "held"
        ? { reserved: sql`${products.reserved} - ${n}` }
        : { quantity: sql`${products.quantity} + ${n}`, sold: sql`${products.sold} - ${n}` };
    // A product deleted after its sale has no shelf to return to; the line is released all the same.
    await tx
      .update(products)
      .set({ ...restore, updatedAt: at })
      .where(eq(products.id, line.productId));
  }
  await tx
    .update(reservations)
    .set({ status: "released", updatedAt: at })
    .where(and(eq(reservations.orderId, orderId), ne(reservations.status, "released")));
  return "released";
}
