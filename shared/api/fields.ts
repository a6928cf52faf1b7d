import * as z from "zod";

/**
 * A whole number in a path or query string, written in decimal digits only: Number() would also take 0x2, 0b10,
 * 1e0, 2.0 or " 2", which the published integer schema does not allow. Anything else stays a string, which the
 * number check refuses. A JSON number passes through as it is.
 */
const decimalDigits = (value: unknown): unknown =>
  typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
export const wholeNumber = z.number({ error: "must be a whole number in decimal digits" }).int();
export const wholeNumberIn = <S extends z.ZodType>(schema: S) => z.preprocess(decimalDigits, schema);

/** A record id in a path or query string: a positive integer that fits a JS number exactly. */
export const id = wholeNumberIn(wholeNumber.positive().max(Number.MAX_SAFE_INTEGER));
export const idParam = z.strictObject({ id });

/** Page-based paging, as the original's list endpoints took it (defaults inside: the document shows them). */
export const limit = wholeNumberIn(wholeNumber.min(1).max(100).default(20));
export const page = wholeNumberIn(wholeNumber.min(1).max(1_000_000).default(1));

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
