import type { Context } from "hono";
import * as z from "zod";
import type { WebEnv } from "./context";

/** A form's fields checked against a schema: the values, or one sentence that says what is wrong. */
export async function readForm<S extends z.ZodType>(
  c: Context<WebEnv>,
  schema: S,
): Promise<{ data: z.infer<S>; error?: undefined } | { data?: undefined; error: string }> {
  const body = await c.req.parseBody();
  const result = schema.safeParse(body);
  if (result.success) return { data: result.data };
  const issue = result.error.issues[0];
  const field = issue?.path.join(".");
  return {
    error: field ? `${field.replaceAll("_", " ")}: ${issue?.message}` : (issue?.message ?? "invalid form"),
  };
}

/** Form fields arrive as text. */
export const formId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Dollars, as the inventory API takes them. */
export const formPrice = z.coerce.number().min(0, "must not be negative").max(10_000_000);
export const formQuantity = z.coerce.number().int().min(1, "must be at least 1").max(1000, "at most 1000");
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => (value ? value : undefined));

/** A query string's page number; anything else is page 1. */
export const pageOf = (c: Context<WebEnv>): number => {
  const page = Number(c.req.query("page"));
  return Number.isInteger(page) && page >= 1 && page <= 1_000_000 ? page : 1;
};
