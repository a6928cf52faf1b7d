import { and, eq, gte, sql } from "drizzle-orm";
import { isUniqueViolation, type Tx } from "@bazaar/shared/db";
import { Conflict } from "@bazaar/shared/errors";
import type { InventorySchema } from "../db";
import { products, reservations } from "../db/schema";
import { findProduct } from "./catalog";
import { now, type Product } from "./product-view";

type InventoryTx = Tx<InventorySchema>;

export interface NewProduct {
  name: string;
  description: string;
  priceCents: number;
  quantity: number;
  sku: string;
}

/** Runs a write that may collide with another product's SKU; the collision becomes a 409. */
async function withUniqueSku<T>(sku: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`a product with sku ${sku} already exists`);
    throw error;
  }
}

export async function createProduct(tx: InventoryTx, product: NewProduct): Promise<Product> {
  const at = now();
  const [row] = await withUniqueSku(product.sku, () =>
    tx
      .insert(products)
      .values({ ...product, createdAt: at, updatedAt: at })
      .returning(),
  );
  if (!row) throw new Error("insert returned nothing");
  return row;
}

/**
 * Changes a product. A new on-hand quantity may not fall below what is reserved for open orders: the
 * condition is part of the update, so a reservation committed meanwhile cannot slip past it.
 */
export async function updateProduct(
  tx: InventoryTx,
  id: number,
  changes: Partial<NewProduct>,
): Promise<Product> {
  const fitsReservations =
    changes.quantity === undefined ? undefined : gte(sql`${changes.quantity}`, products.reserved);
  const [row] = await withUniqueSku(changes.sku, () =>
    tx
      .update(products)
      .set({ ...changes, updatedAt: now() })
      .where(and(eq(products.id, id), fitsReservations))
      .returning(),
  );
  if (row) return row;
  const current = await findProduct(tx, id); // 404 when it does not exist
  throw new Conflict(
    `quantity ${changes.quantity} is below the ${current.reserved} units of product ${id} reserved for open orders`,
  );
}

/** Admin only. A product with stock held for open orders stays until those orders are settled. */
export async function deleteProduct(tx: InventoryTx, id: number): Promise<void> {
  const deleted = await tx
    .delete(products)
    .where(and(eq(products.id, id), eq(products.reserved, 0)))
    .returning({ id: products.id });
  if (deleted.length > 0) return;
  const current = await findProduct(tx, id);
  const held = await tx
    .select({ orderId: reservations.orderId })
    .from(reservations)
    .where(and(eq(reservations.productId, id), eq(reservations.status, "held")));
  throw new Conflict(
    `product ${id} has ${current.reserved} units held for open orders (${held.map((r) => r.orderId).join(", ")}); ` +
      "it can be deleted once they are confirmed or cancelled",
  );
}
