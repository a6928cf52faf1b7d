import type { MiddlewareHandler, ValidationTargets } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";
import { describeFieldIssues, fieldIssues, Invalid, UnsupportedMediaType } from "../errors";

type Target = "json" | "query" | "param" | "header";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Turns zod's issues into one readable sentence plus a field list for the problem body. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const nul = pathOfNul(value);
  if (nul) {
    const field = nul.join(".") || where;
    throw new Invalid(`invalid ${where}: ${field}: must not contain NUL (U+0000) characters`, {
      issues: [{ field, message: "must not contain NUL (U+0000) characters" }],
    });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error, where);
  throw new Invalid(`invalid ${where}: ${describeFieldIssues(issues)}`, { issues });
}

/**
 * The path of the first string holding U+0000, if any. SQLite stores such text, but the libSQL client reads it
 * back only up to the NUL: refusing it at the door is the only way not to lose the rest.
 */
function pathOfNul(value: unknown): (string | number)[] | undefined {
  // Iterative with parent links: a client may send JSON nested thousands deep.
  interface Node {
    value: unknown;
    key: string | undefined;
    parent: Node | undefined;
  }
  const stack: Node[] = [{ value, key: undefined, parent: undefined }];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (typeof node.value === "string") {
      if (!node.value.includes("\u0000")) continue;
      const path: string[] = [];
      for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) path.unshift(at.key);
      return path;
    }
    if (node.value === null || typeof node.value !== "object") continue;
    for (const [key, child] of Object.entries(node.value)) stack.push({ value: child, key, parent: node });
  }
  return undefined;
}

/** A JSON body must say it is JSON; anything else is a 415, not a confusing 400. */
export function assertJsonMediaType(contentType: string | null | undefined): void {
  const mediaType = (contentType ?? "").split(";")[0]?.trim() ?? "";
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new UnsupportedMediaType(`expected content-type application/json, got ${mediaType || "none"}`);
  }
}

export const requireJson: MiddlewareHandler = async function requireJson(c, next) {
  assertJsonMediaType(c.req.header("content-type"));
  await next();
};

/**
 * One validator for bodies, params, queries and headers: zod decides, errors become a 400 problem that
 * names every bad field. `c.req.valid(target)` is typed from the schema.
 */
export function validate<T extends Target, S extends z.ZodType>(target: T, schema: S) {
  const check = validator(
    target,
    (value: ValidationTargets[T]) =>
      parseOrThrow(schema, value, target === "json" ? "body" : target) as z.infer<S>,
  );
  if (target !== "json") return check;
  return async function validateJson(c, next) {
    await requireJson(c, async () => {
      await check(c, next);
    });
  } as typeof check;
}
