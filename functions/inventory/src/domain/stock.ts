import { and, eq, gte, lte, sql } from "drizzle-orm";
import { MAX_UNITS } from "@bazaar/shared/api/inventory";
import type { Tx } from "@bazaar/shared/db";
import { Conflict } from "@bazaar/shared/errors";
import type { InventorySchema } from "../db";
import { products, stockAdjustments } from "../db/schema";
import { findProduct } from "./catalog";
import { now, type Product } from "./product-view";

export interface StockChange {
  delta: number;
  reason: string | undefined;
  actorId: number;
}

export type StockAdjustment = typeof stockAdjustments.$inferSelect;

/**
 * Adds to or removes from on-hand stock (a delivery, a count, breakage) and records who did it and why.
 * On-hand stock never falls below what is reserved nor rises above MAX_UNITS: the checks are in the update
 * itself.
 */
export async function adjustStock(
  tx: Tx<InventorySchema>,
  id: number,
  change: StockChange,
): Promise<{ product: Product; adjustment: StockAdjustment }> {
  const at = now();
  const after = sql`${products.quantity} + ${change.delta}`;
  const [product] = await tx
    .update(products)
    .set({ quantity: after, updatedAt: at })
    .where(and(eq(products.id, id), gte(after, products.reserved), lte(after, MAX_UNITS)))
    .returning();
  if (!product) {
    const current = await findProduct(tx, id); // 404 when it does not exist
    if (change.delta > 0) {
      throw new Conflict(
        `cannot add ${change.delta} units of product ${id}: ${current.quantity} on hand, ` +
          `at most ${MAX_UNITS} can be`,
      );
    }
    const removable = current.quantity - current.reserved;
    throw new Conflict(
      `cannot remove ${-change.delta} units of product ${id}: ${current.quantity} on hand, ` +
        `${current.reserved} reserved for open orders, so at most ${removable} can be removed`,
    );
  }
  const [adjustment] = await tx
    .insert(stockAdjustments)
    .values({
      productId: id,
      delta: change.delta,
      reason: change.reason ?? null,
      actorId: change.actorId,
      createdAt: at,
    })
    .returning();
  if (!adjustment) throw new Error("insert returned nothing");
  return { product, adjustment };
}
