import * as z from "zod";
import { idParam, limit, page, wholeNumber, wholeNumberIn } from "./fields";
import type { OperationInputs } from "./operations";

export const orderStatuses = [
  "pending",
  "awaiting_payment",
  "confirmed",
  "shipped",
  "delivered",
  "rejected",
  "cancelled",
] as const;
/** What staff may set by hand with PUT /status (the rest is driven by events). */
export const manualTargets = [
  "shipped",
  "delivered",
  "cancelled",
] as const satisfies readonly (typeof orderStatuses)[number][];

const MAX_PER_PRODUCT = 1000;
const productId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const quantity = z
  .number()
  .int()
  .min(1, "must be at least 1")
  .max(MAX_PER_PRODUCT, `at most ${MAX_PER_PRODUCT} per item`);

/** Each product's quantity over the lines that name it, in the order first named: what placement orders. */
export function quantitiesByProduct(
  lines: readonly { product_id: number; quantity: number }[],
): Map<number, number> {
  const totals = new Map<number, number>();
  for (const line of lines) totals.set(line.product_id, (totals.get(line.product_id) ?? 0) + line.quantity);
  return totals;
}

/** Placement adds up the lines of one product, so the cap holds for their sum too. */
const items = z
  .array(z.strictObject({ product_id: productId, quantity }))
  .min(1, "give at least one item")
  .superRefine((lines, context) => {
    for (const [id, total] of quantitiesByProduct(lines)) {
      if (total <= MAX_PER_PRODUCT) continue;
      context.addIssue({
        code: "custom",
        message: `product ${id} is ordered ${total} times over its lines, at most ${MAX_PER_PRODUCT} per item`,
      });
    }
  });
const extras = {
  payment_method: z.string().trim().min(1).max(64).optional(),
  shipping_address: z.string().trim().min(1).max(500).optional(),
};

/** The original's single-product body, or a list of items; both may name a payment method and an address. */
export const placeOrderBody = z.union([
  z.strictObject({ product_id: productId, quantity, ...extras }),
  z.strictObject({ items, ...extras }),
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

export { idParam };
export const listQuery = z.strictObject({
  limit,
  page,
  status: z.enum(orderStatuses).optional(),
  customer_id: wholeNumberIn(wholeNumber.positive()).optional(),
});
export const statusBody = z.strictObject({
  status: z.enum(manualTargets),
  reason: z.string().trim().max(500).optional(),
});
/** Cancelling needs no body; one may give a reason. */
export const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional();

export const inputs = {
  "POST /api/orders": {
    headers: idempotencyHeaders,
    body: placeOrderBody,
    conflict: "Not enough stock, or the Idempotency-Key was used with a different request.",
  },
  "GET /api/orders": { query: listQuery },
  "GET /api/orders/:id": { params: idParam },
  "POST /api/orders/:id/cancel": {
    params: idParam,
    body: cancelBody,
    conflict: "The order has gone too far to be cancelled, or is cancelled already.",
  },
  "PUT /api/orders/:id/status": {
    params: idParam,
    body: statusBody,
    conflict: "The order's state machine does not allow the move from its current status.",
  },
} satisfies OperationInputs;
