import { describe, expect, it } from "vitest";
import * as z from "zod";
import { Invalid } from "../errors";
import { createLogger, createMetrics } from "../observability";
import { createHttpApp } from "./app";
import { parseOrThrow, validate } from "./validate";

/** The JSON body of a response, read loosely: a wrong shape fails the assertion that reads it. */
const json = (response: Response): Promise<any> => response.json();

function buildApp() {
  const app = createHttpApp({
    service: "test",
    logger: createLogger("test", "silent"),
    metrics: createMetrics("test"),
    bodyLimitBytes: 1024,
  });
  return app
    .get(
      "/search",
      validate("query", z.strictObject({ limit: z.coerce.number().int().max(100).default(20) })),
      (c) => c.json(c.req.valid("query")),
    )
    .get("/orders/:id", validate("param", z.object({ id: z.coerce.number().int().positive() })), (c) =>
      c.json(c.req.valid("param")),
    );
}

describe("validate", () => {
  it("passes coerced, defaulted values to the handler", async () => {
    const app = buildApp();
    expect(await json(await app.request("/search"))).toEqual({ limit: 20 });
    expect(await json(await app.request("/search?limit=5"))).toEqual({ limit: 5 });
    expect(await json(await app.request("/orders/7"))).toEqual({ id: 7 });
  });

  it("refuses a bad query with a problem naming the field", async () => {
    const response = await buildApp().request("/search?limit=500");
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.detail).toMatch(/^invalid query: limit: /);
    expect(body.errors).toEqual([{ field: "limit", message: expect.any(String) }]);
  });

  it("refuses an unknown query key (strict objects)", async () => {
    const response = await buildApp().request("/search?limti=5");
    expect(response.status).toBe(400);
    expect((await json(response)).detail).toContain("limti");
  });

  it("refuses a bad path parameter", async () => {
    const response = await buildApp().request("/orders/abc");
    expect(response.status).toBe(400);
    expect((await json(response)).detail).toMatch(/^invalid param: id: /);
  });
});

describe("parseOrThrow", () => {
  it("refuses a NUL character anywhere in the value, naming where", () => {
    const schema = z.object({ items: z.array(z.object({ note: z.string() })) });
    expect(() => parseOrThrow(schema, { items: [{ note: "a\u0000b" }] }, "body")).toThrow(
      "invalid body: items.0.note: must not contain NUL (U+0000) characters",
    );
  });

  it("throws Invalid with one issue per bad field", () => {
    const schema = z.object({ a: z.string(), b: z.object({ c: z.number() }) });
    let error: unknown;
    try {
      parseOrThrow(schema, { a: 1, b: { c: "x" } }, "body");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Invalid);
    expect((error as Invalid).issues?.map((i) => i.field)).toEqual(["a", "b.c"]);
    expect((error as Invalid).message).toMatch(/^invalid body: a: .*; b\.c: /);
  });
});
