import { z } from "zod";
import { orderStatuses } from "../db/schema";
import { manualTargets } from "../domain/state-machine";

const productId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const quantity = z.number().int().min(1, "must be at least 1").max(1000, "at most 1000 per item");
const extras = {
  payment_method: z.string().trim().min(1).max(64).optional(),
  shipping_address: z.string().trim().min(1).max(500).optional(),
};

/** The original's single-product body, or a list of items; both may name a payment method and an address. */
export const placeOrderBody = z.union([
  z.strictObject({ product_id: productId, quantity, ...extras }),
  z.strictObject({
    items: z.array(z.strictObject({ product_id: productId, quantity })).min(1, "give at least one item"),
    ...extras,
  }),
]);
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

export const idempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
    .optional(),
});

export const idParam = z.strictObject({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  status: z.enum(orderStatuses).optional(),
  customer_id: z.coerce.number().int().positive().optional(),
});
export const statusBody = z.strictObject({
  status: z.enum(manualTargets),
  reason: z.string().trim().max(500).optional(),
});
export const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional();
