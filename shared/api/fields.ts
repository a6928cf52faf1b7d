import * as z from "zod";

/** A record id in a path or query string: a positive integer that fits a JS number exactly. */
export const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const idParam = z.strictObject({ id });

/** Page-based paging, as the original's list endpoints took it. */
export const limit = z.coerce.number().int().min(1).max(100).default(20);
export const page = z.coerce.number().int().min(1).max(1_000_000).default(1);

/** A query flag written as the strings true or false. */
export const booleanFlag = z
  .enum(["true", "false"], "must be true or false")
  .transform((value) => value === "true")
  .optional();

/**
 * zod refinements ("give at least one field") cannot be turned into JSON Schema by themselves: this states the
 * same rule in JSON Schema, so the published document tells a client what the check below it enforces.
 */
export const atLeastOneField = { minProperties: 1 } as const;
