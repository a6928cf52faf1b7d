import * as z from "zod";
import { id, idParam, limit, page } from "./fields";
import type { OperationInputs } from "./operations";

export const paymentStatuses = ["pending", "succeeded", "failed", "refunded", "voided"] as const;

export { idParam };
export const orderIdParam = z.strictObject({ order_id: id });
export const listQuery = z.strictObject({ limit, page, status: z.enum(paymentStatuses).optional() });

export const inputs = {
  "GET /api/payments": { query: listQuery },
  "GET /api/payments/:id": { params: idParam },
  "GET /api/payments/order/:order_id": { params: orderIdParam },
} satisfies OperationInputs;
