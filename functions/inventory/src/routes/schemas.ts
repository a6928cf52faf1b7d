import { z } from "zod";
import { hasAtMostTwoDecimals } from "../domain/product-view";

const MAX_UNITS = 1_000_000_000;
const name = z.string().trim().min(1, "must not be empty").max(200);
const description = z.string().trim().max(2000);
/** Decimal, as the original took it (e.g. 1200 or 25.5). */
const price = z
  .number()
  .min(0)
  .max(10_000_000)
  .refine(hasAtMostTwoDecimals, "must have at most two decimals");
const priceCents = z.number().int().min(0).max(1_000_000_000);
const quantity = z.number().int().min(0).max(MAX_UNITS);
const sku = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "may hold only letters, digits, '.', '_' and '-'")
  .transform((s) => s.toUpperCase());

const onePrice = {
  check: (body: { price?: number | undefined; price_cents?: number | undefined }) =>
    body.price === undefined || body.price_cents === undefined,
  message: { message: "give price or price_cents, not both", path: ["price_cents"] },
};

export const createBody = z
  .strictObject({
    name,
    description: description.optional(),
    price: price.optional(),
    price_cents: priceCents.optional(),
    quantity: quantity.optional(),
    sku,
  })
  .refine((body) => body.price !== undefined || body.price_cents !== undefined, {
    message: "price is required (or price_cents)",
    path: ["price"],
  })
  .refine(onePrice.check, onePrice.message);

export const updateBody = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    price: price.optional(),
    price_cents: priceCents.optional(),
    quantity: quantity.optional(),
    sku: sku.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "give at least one field to change")
  .refine(onePrice.check, onePrice.message);

export const stockBody = z.strictObject({
  delta: z
    .number()
    .int()
    .min(-MAX_UNITS)
    .max(MAX_UNITS)
    .refine((n) => n !== 0, "must not be zero"),
  reason: z.string().trim().min(1, "must not be empty").max(500).optional(),
});

export const idParam = z.strictObject({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

export const listQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    page: z.coerce.number().int().min(1).max(1_000_000).optional(),
    cursor: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    q: z.string().trim().max(100).optional(),
  })
  .refine((query) => query.page === undefined || query.cursor === undefined, {
    message: "give page or cursor, not both",
    path: ["cursor"],
  });
