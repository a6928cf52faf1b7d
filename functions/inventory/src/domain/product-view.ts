import type { products } from "../db/schema";

export type Product = typeof products.$inferSelect;

/** What the API shows of a product: the original's fields (decimal `price`) plus the stock picture. */
export const productView = (p: Product) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  price: p.priceCents / 100,
  price_cents: p.priceCents,
  quantity: p.quantity,
  reserved: p.reserved,
  available: p.quantity - p.reserved,
  sold: p.sold,
  sku: p.sku,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});

/** A decimal price as the API takes it (at most two decimals, checked by the route) to integer cents. */
export const toCents = (price: number): number => Math.round(price * 100);

export const hasAtMostTwoDecimals = (price: number): boolean =>
  Math.abs(price * 100 - Math.round(price * 100)) < 1e-6;

export const now = (): string => new Date().toISOString();
