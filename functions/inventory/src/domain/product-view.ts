import { toDecimal } from "@bazaar/shared/money";
import type { products } from "../db/schema";

export type Product = typeof products.$inferSelect;

/** What the API shows of a product: the original's fields (decimal `price`) plus the stock picture. */
export const productView = (p: Product) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  price: toDecimal(p.priceCents),
  price_cents: p.priceCents,
  quantity: p.quantity,
  reserved: p.reserved,
  available: p.quantity - p.reserved,
  sold: p.sold,
  sku: p.sku,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});

export const now = (): string => new Date().toISOString();
