import * as z from "zod";
import { toCents } from "../money";
import { atLeastOneField, idParam, limit, wholeNumber, wholeNumberIn } from "./fields";
import type { OperationInputs } from "./operations";

/** The most units of one product on hand: what create and update take, and what stock adjustments keep to. */
export const MAX_UNITS = 1_000_000_000;

const hasAtMostTwoDecimals = (price: number): boolean => Math.abs(price * 100 - toCents(price)) < 1e-6;

const name = z.string().trim().min(1, "must not be empty").max(200);
const description = z.string().trim().max(2000);
/** Decimal, as the original took it (e.g. 1200 or 25.5). */
const price = z
  .number()
  .min(0)
  .max(10_000_000)
  .refine(hasAtMostTwoDecimals, "must have at most two decimals")
  .meta({ description: "at most two decimals" });
const priceCents = z.number().int().min(0).max(1_000_000_000);
const quantity = z.number().int().min(0).max(MAX_UNITS);
const sku = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "may hold only letters, digits, '.', '_' and '-'")
  .meta({ examples: ["MUG-001"] })
  .transform((s) => s.toUpperCase());

const onePrice = {
  check: (body: { price?: number | undefined; price_cents?: number | undefined }) =>
    body.price === undefined || body.price_cents === undefined,
  message: { message: "give price or price_cents, not both", path: ["price_cents"] },
  jsonSchema: { not: { required: ["price", "price_cents"] } },
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
  .refine(onePrice.check, onePrice.message)
  .meta({ ...onePrice.jsonSchema, anyOf: [{ required: ["price"] }, { required: ["price_cents"] }] });

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
  .refine(onePrice.check, onePrice.message)
  .meta({ ...atLeastOneField, ...onePrice.jsonSchema });

export const stockBody = z.strictObject({
  delta: z
    .number()
    .int()
    .min(-MAX_UNITS)
    .max(MAX_UNITS)
    .refine((n) => n !== 0, "must not be zero")
    .meta({ not: { const: 0 }, examples: [5] }),
  reason: z.string().trim().min(1, "must not be empty").max(500).optional(),
});

export { idParam };

export const listQuery = z
  .strictObject({
    limit,
    page: wholeNumberIn(wholeNumber.min(1).max(1_000_000)).optional(),
    cursor: wholeNumberIn(wholeNumber.min(0).max(Number.MAX_SAFE_INTEGER)).optional(),
    q: z.string().trim().max(100).optional(),
  })
  .refine((query) => query.page === undefined || query.cursor === undefined, {
    message: "give page or cursor, not both",
    path: ["cursor"],
  });

/**
 * What GET /api/products/:id answers, as far as other functions rely on it (order prices items from it):
 * checked on receipt, so a changed or broken answer is a clear error rather than an undefined price.
 */
export const productAnswer = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  price_cents: priceCents,
  available: z.number().int(),
});

export const inputs = {
  "GET /api/products": { query: listQuery },
  "GET /api/products/:id": { params: idParam },
  "POST /api/products": { body: createBody, conflict: "A product with this sku already exists." },
  "PUT /api/products/:id": {
    params: idParam,
    body: updateBody,
    conflict: "Another product has this sku, or the quantity is below the units reserved for open orders.",
  },
  "DELETE /api/products/:id": { params: idParam, conflict: "Units of the product are held for open orders." },
  "POST /api/products/:id/stock": {
    params: idParam,
    body: stockBody,
    conflict: "The change would leave fewer units than are reserved for open orders.",
  },
} satisfies OperationInputs;
