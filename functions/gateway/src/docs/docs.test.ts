import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import { describe, expect, it } from "vitest";
import { operationInputs } from "@bazaar/shared/api";
import { routeTable } from "../routes-table";
import { generousLimits } from "../testing/gateway-app";
import type { JsonSchema } from "./json-schema";
import { lazyDocs } from "./lazy";
import { openApiDocument, openApiPath, type OpenApiOperation } from "./openapi";
import { docsPage } from "./page";

const document = openApiDocument(routeTable, {
  ...generousLimits,
  "order-placement": { limit: 50, windowSeconds: 60 },
});
const operations = Object.entries(document.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, operation]) => ({ path, method, operation })),
);
const operation = (method: string, path: string) => document.paths[path]?.[method] as OpenApiOperation;

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: JsonSchema;
}
const parametersOf = (op: OpenApiOperation) => (op["parameters"] ?? []) as Parameter[];
const bodyOf = (op: OpenApiOperation) =>
  op["requestBody"] as
    { required: boolean; content: { "application/json": { schema: JsonSchema } } } | undefined;

/** Every Schema Object in the document: parameter and body schemas and the shared components. */
const schemaObjects = (): [string, JsonSchema][] => [
  ...(operations.flatMap(({ path, method, operation: op }) => [
    ...parametersOf(op).map((p): [string, JsonSchema] => [`${method} ${path} ${p.in} ${p.name}`, p.schema]),
    ...(bodyOf(op) ? [[`${method} ${path} body`, bodyOf(op)!.content["application/json"].schema]] : []),
  ]) as [string, JsonSchema][]),
  ...Object.entries((document["components"] as { schemas: Record<string, JsonSchema> }).schemas),
];

describe("OpenAPI document", () => {
  it("is valid OpenAPI 3.1 by the official schema, and every Schema Object is valid JSON Schema 2020-12", async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    // The official schema leaves Schema Objects to the JSON Schema meta-schema: ajv checks each against it
    // when compiling, and strict mode refuses unknown keywords (a typo would otherwise pass as an annotation).
    const ajv = new Ajv2020({ strict: true, strictRequired: false });
    (addFormatsPlugin as unknown as (ajv: Ajv2020) => void)(ajv);
    for (const [where, schema] of schemaObjects()) expect(() => ajv.compile(schema), where).not.toThrow();
  });

  it("is refused by the same validator when broken, so the check above can fail", async () => {
    const broken = structuredClone(document) as Record<string, any>;
    broken["paths"]["/api/orders"].post.parameters[0].in = "body";
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("has one operation per row of the routing table, plus the gateway's own", () => {
    for (const rule of routeTable)
      expect(operation(rule.method.toLowerCase(), openApiPath(rule.path)), rule.path).toBeDefined();
    expect(operations).toHaveLength(routeTable.length + 4);
    expect(operation("get", "/healthz")["x-rate-limit"]).toBeUndefined();
    // Metrics are served on a private port, so the public document does not offer them.
    expect(document.paths["/metrics"]).toBeUndefined();
  });

  it("states security, roles, rate limit and problem+json errors from the table", () => {
    const place = operation("post", "/api/orders");
    expect(place).toMatchObject({
      security: [{ bearerAuth: [] }],
      "x-roles": ["customer", "admin"],
      "x-rate-limit": { class: "order-placement", limit: 50, window_seconds: 60 },
      tags: ["order"],
    });
    expect(Object.keys(place["responses"] as object)).toEqual(
      expect.arrayContaining(["202", "400", "401", "403", "413", "415", "429", "503", "504"]),
    );
    expect(operation("get", "/api/products/{id}").security).toEqual([{}, { bearerAuth: [] }]);
    expect(operation("get", "/api/products/{id}")["x-roles"]).toEqual(["anyone"]);
    // Login, refresh and logout carry their credentials in the body: no token is read, so none is asked for.
    for (const path of ["/auth/login", "/auth/refresh", "/auth/logout"]) {
      expect(operation("post", path)).toMatchObject({ security: [], "x-roles": ["anyone"] });
      expect(operation("post", path)["x-rate-limit"]?.per).toBe("client address");
    }
    expect(operation("post", "/auth/register").security).toEqual([{}, { bearerAuth: [] }]);
    // 409 where the function can refuse a valid request for the state of a record, saying when; nowhere else.
    expect((operation("post", "/api/orders")["responses"] as Record<string, unknown>)["409"]).toMatchObject({
      description: "Not enough stock, or the Idempotency-Key was used with a different request.",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    });
    expect(operation("get", "/api/products/{id}")["responses"]).not.toHaveProperty("409");
    const components = document["components"] as { responses: Record<string, any> };
    expect(components.responses["Invalid"].content["application/problem+json"].schema).toEqual({
      $ref: "#/components/schemas/Problem",
    });
  });

  it("documents parameters and bodies with the schemas the functions validate with", () => {
    const id = { type: "integer", exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER };
    expect(parametersOf(operation("get", "/api/products/{id}"))).toEqual([
      { name: "id", in: "path", required: true, schema: id },
    ]);
    expect(parametersOf(operation("get", "/api/shipments/track/{tracking_number}"))).toMatchObject([
      { name: "tracking_number", in: "path", schema: { type: "string", pattern: "^BZ[0-9A-Z]{12}$" } },
    ]);
    // Query: a default makes a field optional; an enum comes from the same list as the database column.
    expect(parametersOf(operation("get", "/api/orders"))).toEqual(
      expect.arrayContaining([
        {
          name: "limit",
          in: "query",
          required: false,
          schema: { default: 20, type: "integer", minimum: 1, maximum: 100 },
        },
        expect.objectContaining({
          name: "status",
          schema: expect.objectContaining({ enum: expect.arrayContaining(["awaiting_payment"]) }),
        }),
      ]),
    );
    expect(parametersOf(operation("post", "/api/orders"))).toMatchObject([
      { name: "idempotency-key", in: "header", required: false },
    ]);
    const register = bodyOf(operation("post", "/auth/register"))!;
    expect(register.required).toBe(true);
    expect(register.content["application/json"].schema).toMatchObject({
      type: "object",
      required: ["name", "email", "password"],
      additionalProperties: false,
      properties: { email: { type: "string", format: "email" }, password: { minLength: 8 } },
    });
    // The refinements zod cannot express are restated for JSON Schema by the shared schemas.
    expect(bodyOf(operation("post", "/api/products"))!.content["application/json"].schema).toMatchObject({
      required: ["name", "sku"],
      anyOf: [{ required: ["price"] }, { required: ["price_cents"] }],
      not: { required: ["price", "price_cents"] },
    });
    expect(bodyOf(operation("put", "/api/customers/{id}"))!.content["application/json"].schema).toMatchObject(
      {
        minProperties: 1,
      },
    );
    // Cancelling takes an optional body; placing an order takes one of two shapes.
    expect(bodyOf(operation("post", "/api/orders/{id}/cancel"))!.required).toBe(false);
    expect(bodyOf(operation("post", "/api/orders"))!.content["application/json"].schema.anyOf).toHaveLength(
      2,
    );
    expect(bodyOf(operation("get", "/api/orders"))).toBeUndefined();
  });

  it("gives every operation a unique operationId", () => {
    const ids = operations.map(({ operation: op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("routing table and shared schemas", () => {
  const keyOf = (rule: { method: string; path: string }) => `${rule.method} ${rule.path}`;

  it("has an input entry for every route, and every entry is routed", () => {
    expect(routeTable.filter((rule) => rule.input === undefined).map(keyOf)).toEqual([]);
    expect(Object.keys(operationInputs).sort()).toEqual(routeTable.map(keyOf).sort());
  });

  it("validates every path parameter of a route, under the name the path gives it", () => {
    for (const rule of routeTable) {
      const names = [...rule.path.matchAll(/:(\w+)/g)].map(([, name]) => name);
      const documented = parametersOf(operation(rule.method.toLowerCase(), openApiPath(rule.path)))
        .filter((p) => p.in === "path")
        .map((p) => p.name);
      expect(documented, keyOf(rule)).toEqual(names);
    }
  });
});

describe("docs page", () => {
  const page = docsPage(document);

  it("lists every path with who may call it", () => {
    expect(page).toContain("<code>/api/dead-letters/{id}/replay</code>");
    expect(page).toContain("order-placement: 50 / 60 s");
    expect(page).toMatch(/<td><code>\/api\/dead-letters<\/code><\/td><td>staff, admin<\/td>/);
  });

  it("shows the fields each request takes, required ones starred", () => {
    expect(page).toContain("body*</span> name*: string, email*: string (email), password*: string");
    expect(page).toContain("path</span> id*: integer");
    expect(page).toContain("status*: shipped | delivered | cancelled");
    expect(page).toContain(
      "quantity*: integer, payment_method: string, shipping_address: string } or { items*:",
    );
    expect(page).toContain("items*: { product_id*: integer, quantity*: integer }[]");
    expect(page).toContain("header</span> idempotency-key: string");
  });

  it("loads nothing from elsewhere", () => {
    expect(page).not.toMatch(/<script|<link|src=|https?:\/\//);
  });
});

describe("lazyDocs", () => {
  it("builds the document and page once, on first use", () => {
    const docs = lazyDocs(routeTable, generousLimits);
    const first = docs.document();
    expect(docs.document()).toBe(first);
    expect(docs.page()).toBe(docsPage(first));
  });
});
