import { z } from "zod";
import { paymentStatuses } from "../db/schema";

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const idParam = z.strictObject({ id });
export const orderIdParam = z.strictObject({ order_id: id });
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  status: z.enum(paymentStatuses).optional(),
});
