import { describe, expect, it } from "vitest";
import { createRouteLookup, edgeRoles, routeTable, upstreamNames } from "./routes-table";

const lookup = createRouteLookup();

describe("routing table", () => {
  it.each([
    ["POST", "/auth/register", "customer", "public", "auth"],
    ["POST", "/auth/login", "customer", "credentials", "auth"],
    ["POST", "/auth/refresh", "customer", "credentials", "write"],
    ["POST", "/auth/logout", "customer", "credentials", "write"],
    ["GET", "/.well-known/jwks.json", "customer", "public", "read"],
    ["GET", "/api/customers", "customer", "admin,staff", "read"],
    ["DELETE", "/api/customers/3", "customer", "admin,customer", "write"],
    ["GET", "/api/products", "inventory", "public", "read"],
    ["GET", "/api/products/12", "inventory", "public", "read"],
    ["POST", "/api/products", "inventory", "admin,staff", "write"],
    ["DELETE", "/api/products/12", "inventory", "admin", "write"],
    ["POST", "/api/orders", "order", "admin,customer", "order-placement"],
    ["GET", "/api/orders/5", "order", "admin,customer,staff", "read"],
    ["POST", "/api/orders/5/cancel", "order", "admin,customer", "write"],
    ["PUT", "/api/orders/5/status", "order", "admin,staff", "write"],
    ["GET", "/api/payments/5", "payment", "admin,customer", "read"],
    ["GET", "/api/shipments/track/TRK-123", "shipping", "admin,customer,staff", "read"],
    ["PATCH", "/api/shipments/4/status", "shipping", "admin,staff", "write"],
    ["GET", "/api/notifications/customer/7", "notification", "admin,customer,staff", "read"],
    ["GET", "/api/dead-letters", "dead-letters", "admin,staff", "read"],
    ["POST", "/api/dead-letters/9/replay", "dead-letters", "admin,staff", "write"],
    ["DELETE", "/api/dead-letters/9", "dead-letters", "admin", "write"],
  ])("%s %s → %s for %s, class %s", (method, path, upstream, who, rateClass) => {
    const match = lookup.find(method, path);
    expect(match?.rule.upstream).toBe(upstream);
    const access = match?.rule.access;
    expect(typeof access === "string" ? access : [...(access ?? [])].sort().join(",")).toBe(who);
    expect(match?.rule.rateClass).toBe(rateClass);
  });

  it("gives the route template and its parameters", () => {
    expect(lookup.find("GET", "/api/shipments/track/TRK-9")).toMatchObject({
      rule: { path: "/api/shipments/track/:tracking_number" },
      params: { tracking_number: "TRK-9" },
    });
    expect(lookup.find("get", "/api/orders/42")?.params).toEqual({ id: "42" });
  });

  it("knows nothing of other paths, and tells a wrong method from an unknown path", () => {
    expect(lookup.find("GET", "/api/secrets")).toBeUndefined();
    expect(lookup.find("GET", "/api/orders/1/cancel/extra")).toBeUndefined();
    expect(lookup.methodsFor("/api/secrets")).toEqual([]);
    expect(lookup.find("DELETE", "/api/orders")).toBeUndefined();
    expect(lookup.methodsFor("/api/orders").sort()).toEqual(["GET", "POST"]);
  });

  it("has one rule per method and path, valid upstreams and a non-empty role list", () => {
    const keys = routeTable.map((rule) => `${rule.method} ${rule.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const rule of routeTable) {
      expect(upstreamNames).toContain(rule.upstream);
      expect(rule.path.startsWith("/")).toBe(true);
      if (edgeRoles(rule.access)) expect(edgeRoles(rule.access)?.length).toBeGreaterThan(0);
    }
  });

  it("routes to every function", () => {
    expect(new Set(routeTable.map((rule) => rule.upstream))).toEqual(new Set(upstreamNames));
  });
});
