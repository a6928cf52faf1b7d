import { describe, expect, it } from "vitest";
import { generousLimits } from "../testing/gateway-app";
import { routeTable } from "../routes-table";
import { openApiDocument, openApiPath } from "./openapi";
import { docsPage } from "./page";

const document = openApiDocument(routeTable, {
  ...generousLimits,
  "order-placement": { limit: 50, windowSeconds: 60 },
});

describe("OpenAPI document", () => {
  it("has one operation per row of the routing table, plus the gateway's own", () => {
    for (const rule of routeTable) {
      expect(document.paths[openApiPath(rule.path)]?.[rule.method.toLowerCase()], rule.path).toBeDefined();
    }
    const operations = Object.values(document.paths).flatMap((ops) => Object.keys(ops));
    expect(operations).toHaveLength(routeTable.length + 5);
    expect(document.paths["/healthz"]?.["get"]?.["x-rate-limit"]).toBeUndefined();
  });

  it("states security, roles, rate limit and path parameters from the table", () => {
    const place = document.paths["/api/orders"]?.["post"];
    expect(place).toMatchObject({
      security: [{ bearerAuth: [] }],
      "x-roles": ["customer", "admin"],
      "x-rate-limit": { class: "order-placement", limit: 50, window_seconds: 60 },
      tags: ["order"],
    });
    expect(Object.keys(place?.["responses"] as object)).toEqual(
      expect.arrayContaining(["202", "401", "403", "413", "429", "503", "504"]),
    );
    const products = document.paths["/api/products/{id}"]?.["get"];
    expect(products?.security).toEqual([{}, { bearerAuth: [] }]);
    expect(products?.["x-roles"]).toEqual(["anyone"]);
    expect(products?.["parameters"]).toEqual([
      { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } },
    ]);
    const track = document.paths["/api/shipments/track/{tracking_number}"]?.["get"];
    expect(track?.["parameters"]).toMatchObject([{ name: "tracking_number", schema: { type: "string" } }]);
  });

  it("gives every operation a unique operationId", () => {
    const ids = Object.values(document.paths).flatMap((ops) =>
      Object.values(ops).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("docs page", () => {
  const page = docsPage(document);

  it("lists every path with who may call it", () => {
    expect(page).toContain("<code>/api/dead-letters/{id}/replay</code>");
    expect(page).toContain("order-placement: 50 / 60 s");
    expect(page).toMatch(/<td><code>\/api\/dead-letters<\/code><\/td><td>admin<\/td>/);
  });

  it("loads nothing from elsewhere", () => {
    expect(page).not.toMatch(/<script|<link|src=|https?:\/\//);
  });
});
