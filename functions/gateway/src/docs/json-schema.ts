import * as z from "zod";

export type JsonSchema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  format?: string;
};

/**
 * What a client must send to pass a zod schema, as JSON Schema 2020-12 (the dialect of OpenAPI 3.1):
 * - io "input": the accepted side of a transform or coercion, and a field with a default is optional;
 * - unrepresentable "throw": a schema that cannot be written down (a date, a custom check) fails the docs
 *   test instead of being published as `{}`; refinements are dropped, so the shared schemas restate theirs
 *   with `.meta()`;
 * - `$schema` is dropped: an OpenAPI 3.1 document states its dialect once, and the default is 2020-12.
 */
export function requestJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "throw",
  });
  return json as JsonSchema;
}

/** An empty input, such as no body at all, passes: the part is optional. */
export const acceptsNothing = (schema: z.ZodType): boolean => schema.safeParse(undefined).success;
