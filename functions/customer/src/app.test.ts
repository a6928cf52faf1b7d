import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSigningKey } from "@bazaar/shared/auth";
import { openDatabase, type Database } from "@bazaar/shared/db";
import { createOutbox, outbox } from "@bazaar/shared/events";
import { createLogger, createMetrics } from "@bazaar/shared/observability";
import { createApp } from "./app";
import { migrationsFolder, schema, type CustomerSchema } from "./db";
import type { CustomerSettings } from "./deps";
import { ensureAdmin } from "./domain/admin";

const ADMIN = { email: "admin@unit.test", password: "admin-password-unit" };
const settings: CustomerSettings = {
  issuer: "bazaar",
  audience: "bazaar",
  accessTokenTtlSeconds: 60,
  refreshTokenTtlSeconds: 3600,
  refreshReuseGraceSeconds: 15,
  scryptCost: 1024,
  loginMaxFailures: 3,
  loginMaxFailuresPerAccount: 10,
  loginFailureWindowSeconds: 1,
  trustedProxies: [],
};

let dir: string;
let database: Database<CustomerSchema>;
let app: ReturnType<typeof createApp>;

async function build(overrides: Partial<CustomerSettings> = {}) {
  const logger = createLogger("customer", "silent");
  const outboxWriter = createOutbox({ database, source: "/bazaar/customer", onCommit: () => undefined });
  return createApp({
    http: { service: "customer", logger, metrics: createMetrics("customer"), bodyLimitBytes: 65536 },
    database,
    outbox: outboxWriter,
    signingKey: await loadSigningKey({ dataDir: dir }),
    settings: { ...settings, ...overrides },
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "bazaar-customer-"));
  database = await openDatabase({ url: `file:${join(dir, "customer.db")}`, schema, migrationsFolder });
  await ensureAdmin(database, { ...ADMIN, scryptCost: 1024, logger: createLogger("customer", "silent") });
  app = await build();
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A request with a JSON body and an optional bearer token; answers status and parsed body. */
async function send(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers["authorization"] = `Bearer ${token}`;
  const response = await app.request(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as any,
  };
}

const login = (email: string, password: string) => send("POST", "/auth/login", { email, password });

async function registerAndLogin(email: string, password = "correct horse 1") {
  const registered = await send("POST", "/auth/register", { name: "Ada", email, password });
  expect(registered.status).toBe(201);
  const session = await login(email, password);
  return { id: registered.body.id as number, ...session.body };
}

const outboxRows = () => database.db.select().from(outbox).orderBy(asc(outbox.createdAt));

describe("customer events", () => {
  it("writes bazaar.customer.registered with the account, in the same commit", async () => {
    const { id } = await registerAndLogin("ada@example.com");
    const rows = await outboxRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: "bazaar.customer.registered",
      source: "/bazaar/customer",
      subject: String(id),
    });
    expect(JSON.parse(rows[0]!.data)).toEqual({
      customer_id: id,
      email: "ada@example.com",
      name: "Ada",
      role: "customer",
    });
  });

  it("writes no event for a registration that fails (taken email)", async () => {
    await registerAndLogin("ada@example.com");
    const again = await send("POST", "/auth/register", {
      name: "Ada",
      email: "ADA@example.com",
      password: "another-pass",
    });
    expect(again.status).toBe(409);
    expect(await outboxRows()).toHaveLength(1);
  });

  it("writes bazaar.customer.deleted when an account is deleted", async () => {
    const { id, token } = await registerAndLogin("ada@example.com");
    expect((await send("DELETE", `/api/customers/${id}`, undefined, token)).status).toBe(200);
    const deleted = (await outboxRows()).find((r) => r.type === "bazaar.customer.deleted");
    expect(JSON.parse(deleted!.data)).toEqual({ customer_id: id });
  });

  it("writes bazaar.customer.role_changed when a role really changes, and only then", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const { id } = await registerAndLogin("ada@example.com");
    const roleOf = async (role: string) =>
      (await send("PUT", `/api/customers/${id}`, { role }, admin.body.token)).status;
    const changes = async () => (await outboxRows()).filter((r) => r.type === "bazaar.customer.role_changed");

    const before = Date.now();
    expect(await roleOf("staff")).toBe(200);
    const [changed, ...more] = await changes();
    expect(more).toEqual([]);
    const data = JSON.parse(changed!.data) as { changed_at: string };
    expect(data).toEqual({
      customer_id: id,
      role: "staff",
      previous_role: "customer",
      changed_at: data.changed_at,
    });
    expect(Date.parse(data.changed_at)).toBeGreaterThanOrEqual(before);
    expect(changed!.subject).toBe(String(id));

    // The same role again, or other fields, is no change of role.
    expect(await roleOf("staff")).toBe(200);
    expect((await send("PUT", `/api/customers/${id}`, { name: "Ada L." }, admin.body.token)).status).toBe(
      200,
    );
    expect(await changes()).toHaveLength(1);
  });
});

describe("authority follows the account, not the token", () => {
  it("a role change takes effect on the next request and ends the refresh sessions", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const ada = await registerAndLogin("ada@example.com");
    expect((await send("GET", "/api/customers", undefined, ada.token)).status).toBe(403);

    const promoted = await send("PUT", `/api/customers/${ada.id}`, { role: "staff" }, admin.body.token);
    expect(promoted.status).toBe(200);
    // Same access token, new role.
    expect((await send("GET", "/api/customers", undefined, ada.token)).status).toBe(200);
    expect((await send("POST", "/auth/refresh", { refresh_token: ada.refresh_token })).status).toBe(401);
  });

  it("a password change ends the refresh sessions and the old password stops working", async () => {
    const ada = await registerAndLogin("ada@example.com");
    const changed = await send(
      "PUT",
      `/api/customers/${ada.id}`,
      { password: "a new passphrase" },
      ada.token,
    );
    expect(changed.status).toBe(200);
    expect((await send("POST", "/auth/refresh", { refresh_token: ada.refresh_token })).status).toBe(401);
    expect((await login("ada@example.com", "correct horse 1")).status).toBe(401);
    expect((await login("ada@example.com", "a new passphrase")).status).toBe(200);
  });
});

describe("the last admin", () => {
  const LAST_ADMIN = "the last admin cannot be demoted or deleted";
  const adminSession = async () => (await login(ADMIN.email, ADMIN.password)).body;

  it("may neither demote nor delete itself: 409 problem, and nothing changes", async () => {
    const admin = await adminSession();
    const demoted = await send("PUT", `/api/customers/${admin.user.id}`, { role: "customer" }, admin.token);
    expect(demoted.status).toBe(409);
    expect(demoted.headers.get("content-type")).toBe("application/problem+json");
    expect(demoted.body.detail).toBe(LAST_ADMIN);
    const deleted = await send("DELETE", `/api/customers/${admin.user.id}`, undefined, admin.token);
    expect(deleted.status).toBe(409);
    expect(deleted.body.detail).toBe(LAST_ADMIN);

    expect((await send("GET", "/api/customers", undefined, admin.token)).status).toBe(200);
    // The refused change ended no session either.
    expect((await send("POST", "/auth/refresh", { refresh_token: admin.refresh_token })).status).toBe(200);
    expect((await outboxRows()).filter((row) => row.type !== "bazaar.customer.registered")).toEqual([]);
  });

  it("lets one of two admins go, but not both when they step down at once", async () => {
    const first = await adminSession();
    const second = await registerAndLogin("ada@example.com");
    expect((await send("PUT", `/api/customers/${second.id}`, { role: "admin" }, first.token)).status).toBe(
      200,
    );

    const answers = await Promise.all([
      send("PUT", `/api/customers/${first.user.id}`, { role: "staff" }, first.token),
      send("PUT", `/api/customers/${second.id}`, { role: "customer" }, second.token),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const admins = async () =>
      (await send("GET", "/api/customers", undefined, first.token)).body.customers.filter(
        (c: { role: string }) => c.role === "admin",
      );
    expect(await admins()).toHaveLength(1);

    // The one left can hand the role on and go, once someone else holds it.
    const [left] = await admins();
    const token = left.id === first.user.id ? first.token : second.token;
    const other = left.id === first.user.id ? second.id : first.user.id;
    expect((await send("DELETE", `/api/customers/${left.id}`, undefined, token)).body.detail).toBe(
      LAST_ADMIN,
    );
    expect((await send("PUT", `/api/customers/${other}`, { role: "admin" }, token)).status).toBe(200);
    expect((await send("DELETE", `/api/customers/${left.id}`, undefined, token)).status).toBe(200);
  });
});

describe("sessions", () => {
  it("refuses an unknown refresh token and a second logout", async () => {
    const ada = await registerAndLogin("ada@example.com");
    expect((await send("POST", "/auth/refresh", { refresh_token: "made-up" })).status).toBe(401);
    expect((await send("POST", "/auth/logout", { refresh_token: ada.refresh_token })).status).toBe(200);
    expect((await send("POST", "/auth/logout", { refresh_token: ada.refresh_token })).status).toBe(401);
  });

  it("logs in and refreshes whatever token comes along: a stale one must not lock a client out", async () => {
    const ada = await registerAndLogin("ada@example.com");
    expect((await send("POST", "/auth/login", ADMIN, "not.a.token")).status).toBe(200);
    const refreshed = await send(
      "POST",
      "/auth/refresh",
      { refresh_token: ada.refresh_token },
      "not.a.token",
    );
    expect(refreshed.status).toBe(200);
  });

  it("refuses an expired refresh token", async () => {
    app = await build({ refreshTokenTtlSeconds: 0 });
    const ada = await registerAndLogin("ada@example.com");
    const refreshed = await send("POST", "/auth/refresh", { refresh_token: ada.refresh_token });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.detail).toBe("refresh token expired");
  });

  it("lets a login through again once the failure window has passed", async () => {
    await registerAndLogin("ada@example.com");
    for (let i = 0; i < 3; i++) expect((await login("ada@example.com", "wrong password")).status).toBe(401);
    const blocked = await login("ada@example.com", "correct horse 1");
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("1");
    await new Promise((r) => setTimeout(r, 1100));
    expect((await login("ada@example.com", "correct horse 1")).status).toBe(200);
  });

  it("counts failures per email, whatever its case", async () => {
    await registerAndLogin("ada@example.com");
    for (const email of ["ADA@example.com", "Ada@Example.com", " ada@example.com "]) {
      expect((await login(email, "wrong password")).status).toBe(401);
    }
    expect((await login("ada@example.com", "correct horse 1")).status).toBe(429);
  });
});

describe("/api/customers input", () => {
  it("answers 400 for a bad id, 404 for a missing one, 409 for a taken email", async () => {
    const admin = (await login(ADMIN.email, ADMIN.password)).body.token as string;
    const ada = await registerAndLogin("ada@example.com");
    expect((await send("GET", "/api/customers/abc", undefined, admin)).status).toBe(400);
    expect((await send("GET", "/api/customers/999", undefined, admin)).status).toBe(404);
    const taken = await send("PUT", `/api/customers/${ada.id}`, { email: ADMIN.email }, ada.token);
    expect(taken.status).toBe(409);
    expect((await send("PUT", `/api/customers/${ada.id}`, {}, ada.token)).status).toBe(400);
  });

  it("pages the list and reports the total", async () => {
    const admin = (await login(ADMIN.email, ADMIN.password)).body.token as string;
    for (const n of [1, 2, 3])
      await send("POST", "/auth/register", {
        name: `C${n}`,
        email: `c${n}@example.com`,
        password: "correct horse 1",
      });
    const page = await send("GET", "/api/customers?limit=2&page=2", undefined, admin);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ page: 2, limit: 2, total: 4 });
    expect(page.body.customers.map((c: { email: string }) => c.email)).toEqual([
      "c2@example.com",
      "c3@example.com",
    ]);
    expect((await send("GET", "/api/customers?limit=500", undefined, admin)).status).toBe(400);
  });
});
