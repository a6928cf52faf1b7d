import { z } from "zod";

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Filters and paging shared by both list routes. */
const listFields = {
  unread: z
    .enum(["true", "false"], "must be true or false")
    .transform((value) => value === "true")
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
};

export const listQuery = z.strictObject({ ...listFields, customer_id: id.optional() });
export const customerListQuery = z.strictObject(listFields);
export const idParam = z.strictObject({ id });
