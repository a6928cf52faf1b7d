import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Forbidden, NotFound, Unauthorized } from "../errors";
import { createHttpApp } from "../http/app";
import type { Principal } from "../http/context";
import { createLogger, createMetrics } from "../observability";
import { assertOwnerOr, authenticate, principalOf, requireRole, visibleOrNotFound } from "./guard";
import { loadSigningKey, type SigningKey } from "./keys";
import { createTokenVerifier, localKeys, signAccessToken } from "./tokens";

/** The JSON body of a response, read loosely: a wrong shape fails the assertion that reads it. */
const json = (response: Response): Promise<any> => response.json();

const settings = { issuer: "bazaar", audience: "bazaar" };
const customer: Principal = { id: 7, role: "customer", email: "c@example.com" };
const staff: Principal = { id: 2, role: "staff", email: "s@example.com" };
const admin: Principal = { id: 1, role: "admin", email: "a@example.com" };
let dataDir: string;
let key: SigningKey;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "bazaar-guard-"));
  key = await loadSigningKey({ dataDir });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const tokenFor = (principal: Principal) => signAccessToken(key, principal, { ...settings, ttlSeconds: 60 });
const bearer = async (principal: Principal) => ({ authorization: `Bearer ${await tokenFor(principal)}` });

function buildApp() {
  const app = createHttpApp({
    service: "test",
    logger: createLogger("test", "silent"),
    metrics: createMetrics("test"),
    bodyLimitBytes: 1024,
  });
  app.use("*", authenticate(createTokenVerifier(localKeys(key), settings)));
  app.get("/public", (c) => c.json({ principal: c.get("principal") ?? null }));
  app.get("/admin", requireRole("admin"), (c) => c.json({ id: principalOf(c).id }));
  app.get("/records/:owner", requireRole("customer", "staff", "admin"), (c) => {
    assertOwnerOr(principalOf(c), Number(c.req.param("owner")), "staff", "admin");
    return c.json({ ok: true });
  });
  return app;
}

describe("authenticate", () => {
  it("lets an anonymous caller through without a principal", async () => {
    const response = await buildApp().request("/public");
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ principal: null });
  });

  it("sets the principal from a verified token", async () => {
    const response = await buildApp().request("/public", { headers: await bearer(customer) });
    expect(await json(response)).toEqual({ principal: { ...customer, issuedAt: expect.any(Number) } });
  });

  it.each([
    ["a scheme other than Bearer", "Basic dXNlcjpwYXNz"],
    ["an empty header", ""],
    ["Bearer without a token", "Bearer "],
    ["two tokens", "Bearer a b"],
    ["a token that does not verify", "Bearer not.a.token"],
  ])("answers 401 for %s, even on a public route", async (_what, header) => {
    const response = await buildApp().request("/public", { headers: { authorization: header } });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  it("never takes identity from X-User-* headers", async () => {
    const response = await buildApp().request("/admin", {
      headers: { "x-user-id": "1", "x-user-role": "admin" },
    });
    expect(response.status).toBe(401);
  });
});

describe("requireRole", () => {
  it("answers 401 without a token, 403 with a role not on the list, 200 with one on it", async () => {
    const app = buildApp();
    expect((await app.request("/admin")).status).toBe(401);
    const refused = await app.request("/admin", { headers: await bearer(staff) });
    expect(refused.status).toBe(403);
    expect((await json(refused)).detail).toBe("role staff may not do this");
    const allowed = await app.request("/admin", { headers: await bearer(admin) });
    expect(allowed.status).toBe(200);
    expect(await json(allowed)).toEqual({ id: 1 });
  });
});

describe("ownership", () => {
  it("lets the owner and the privileged roles in, and nobody else", async () => {
    const app = buildApp();
    expect((await app.request("/records/7", { headers: await bearer(customer) })).status).toBe(200);
    expect((await app.request("/records/8", { headers: await bearer(customer) })).status).toBe(403);
    expect((await app.request("/records/8", { headers: await bearer(staff) })).status).toBe(200);
    expect((await app.request("/records/8", { headers: await bearer(admin) })).status).toBe(200);
  });

  it("assertOwnerOr and principalOf throw domain errors", () => {
    expect(() => assertOwnerOr(customer, 8)).toThrow(Forbidden);
    expect(() => assertOwnerOr(staff, 8, "admin")).toThrow(Forbidden);
    expect(() => assertOwnerOr(customer, 7)).not.toThrow();
    expect(() => principalOf({ get: () => undefined })).toThrow(Unauthorized);
  });

  it("visibleOrNotFound answers another customer's record exactly as a missing one", () => {
    const order = { id: 5, customerId: 8 };
    const refusal = (caller: Principal, record: typeof order | undefined) => {
      try {
        visibleOrNotFound(caller, record, "order 5", "staff", "admin");
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const foreign = refusal(customer, order);
    expect(foreign).toBeInstanceOf(NotFound);
    expect(foreign).toEqual(refusal(admin, undefined));
    expect((foreign as NotFound).message).toBe("order 5 not found");
    expect(visibleOrNotFound({ ...customer, id: 8 }, order, "order 5")).toBe(order);
    expect(visibleOrNotFound(staff, order, "order 5", "staff")).toBe(order);
    expect(() => visibleOrNotFound(staff, order, "order 5", "admin")).toThrow(NotFound);
  });
});
