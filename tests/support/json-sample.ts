/**
 * The smallest value a JSON Schema (as the OpenAPI document publishes it) accepts: only required fields, the
 * first of alternatives, the lower bounds. A test that builds requests from the document alone uses it, so
 * what passes or fails is decided by the document, not by knowledge of the functions.
 */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  items?: Schema;
  enum?: unknown[];
  examples?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minProperties?: number;
}

export function sampleOf(schema: Schema): unknown {
  if (schema.examples?.length) return schema.examples[0];
  if (schema.enum?.length) return schema.enum[0];
  if (schema.type === undefined && schema.anyOf?.[0]) return sampleOf(schema.anyOf[0]);
  switch (schema.type) {
    case "object":
      return sampleObject(schema);
    case "array":
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sampleOf(schema.items ?? {}));
    case "integer":
    case "number":
      return schema.minimum ?? (schema.exclusiveMinimum === undefined ? 1 : schema.exclusiveMinimum + 1);
    case "boolean":
      return true;
    case "string":
      if (schema.format === "email") return "sample@example.com";
      if (schema.pattern) throw new Error(`give the pattern ${schema.pattern} an example to sample it`);
      return "x".repeat(Math.max(1, schema.minLength ?? 1));
    default:
      throw new Error(`cannot sample ${JSON.stringify(schema)}`);
  }
}

/** The fields a body must hold: `required`, plus those of the first way to meet an object-level anyOf. */
export const requiredFieldsOf = (schema: Schema): string[] => {
  if (schema.type === undefined && schema.anyOf?.[0]) return requiredFieldsOf(schema.anyOf[0]);
  return [...new Set([...(schema.required ?? []), ...(schema.anyOf?.[0]?.required ?? [])])];
};

function sampleObject(schema: Schema): Record<string, unknown> {
  const properties = schema.properties ?? {};
  const names = requiredFieldsOf(schema);
  // "Give at least one field" (minProperties) takes the first optional ones.
  for (const name of Object.keys(properties)) {
    if (names.length >= (schema.minProperties ?? 0)) break;
    if (!names.includes(name)) names.push(name);
  }
  return Object.fromEntries(names.map((name) => [name, sampleOf(properties[name] ?? {})]));
}

/**
 * A path or query value as the document's schema sees it: numbers are numbers once parsed, an integer written
 * in decimal digits only (0x2, 1e0 or 2.0 is no way to write one in a URL).
 */
export const parsedParameter = (schema: Schema, raw: string): unknown =>
  (schema.type === "integer" && /^-?\d+$/.test(raw)) ||
  (schema.type === "number" && /^-?\d+(\.\d+)?$/.test(raw))
    ? Number(raw)
    : raw;
