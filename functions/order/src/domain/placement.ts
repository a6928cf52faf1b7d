import { createHash } from "node:crypto";
import { Conflict, Invalid } from "@bazaar/shared/errors";
import type { TraceContext } from "@bazaar/shared/events";
import type { PlaceOrderBody } from "../routes/schemas";
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
