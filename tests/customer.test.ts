import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, eventually } from "./support/http";
import { ADMIN, startSystem, type System } from "./support/system";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}
/** A broker ingress stand-in (K_SINK): records every delivery and answers with the status the test sets. */
const sink = { status: 202, deliveries: [] as Delivery[] };
let sinkServer: Server;
let system: System;
let base: string;
let adminToken: string;
let seq = 0;

/** A unique address per test, so tests stay independent inside one running system. */
const uniqueEmail = (label: string) => `${label}-${Date.now()}-${++seq}@example.com`;

async function register(overrides: Record<string, unknown> = {}, token?: string) {
  const body = { name: "Ada Lovelace", email: uniqueEmail("ada"), password: "correct horse 1", ...overrides };
  return { ...(await call("POST", `${base}/auth/register`, { body, token })), sent: body };
}

async function login(email: string, password: string) {
  return call("POST", `${base}/auth/login`, { body: { email, password } });
}

/** A registered customer, logged in. */
async function newCustomer(role?: "staff") {
  const registered = await register(role ? { role } : {}, role ? adminToken : undefined);
  expect(registered.status).toBe(201);
  const session = await login(registered.sent.email as string, registered.sent.password as string);
  expect(session.status).toBe(200);
  return { id: registered.body.id as number, token: session.body.token as string, session: session.body };
}

const deliveriesOf = (customerId: number) =>
  sink.deliveries.filter(
    (d) =>
      d.headers["ce-type"] === "bazaar.customer.registered" && JSON.parse(d.body).customer_id === customerId,
  );

beforeAll(async () => {
  sinkServer = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      sink.deliveries.push({ headers: request.headers, body, answered: sink.status });
      response.writeHead(sink.status).end();
    });
  });
  await new Promise<void>((resolve) => sinkServer.listen(0, "127.0.0.1", resolve));
  const captureUrl = `http://127.0.0.1:${(sinkServer.address() as AddressInfo).port}/`;
  system = await startSystem({
    services: ["customer"],
    // A grace period of 1 s, so the test of reuse after it waits only that long.
    env: {
      customer: { K_SINK: captureUrl, LOGIN_MAX_FAILURES: "3", REFRESH_TOKEN_REUSE_GRACE_SECONDS: "1" },
    },
  });
  base = system.url("customer");
  const admin = await login(ADMIN.email, ADMIN.password);
  expect(admin.status).toBe(200);
  adminToken = admin.body.token;
});

afterAll(async () => {
  await system?.stop();
  await new Promise<void>((resolve) => (sinkServer ? sinkServer.close(() => resolve()) : resolve()));
});

describe("registration", () => {
  it("creates a customer: 201 with the original's fields, never the password", async () => {
    const { status, body, headers, sent } = await register({
      email: uniqueEmail("Mixed.Case"),
      phone: "+44 20 7946 0000",
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      message: "User registered successfully",
      id: expect.any(Number),
      user_id: body.id,
      name: "Ada Lovelace",
      email: (sent.email as string).toLowerCase(),
      phone: "+44 20 7946 0000",
      address: null,
      role: "customer",
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(JSON.stringify(body)).not.toMatch(/password|correct horse/);
    expect(headers.get("location")).toBe(`/api/customers/${body.id}`);
  });

  it("refuses a taken email, whatever its case, with 409", async () => {
    const first = await register();
    const again = await register({ email: (first.sent.email as string).toUpperCase() });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(again.body).toMatchObject({ status: 409, detail: expect.stringContaining("email") });
  });

  it("refuses invalid input with a 400 problem naming each bad field", async () => {
    const { status, body } = await register({ email: "not-an-email", password: "short" });
    expect(status).toBe(400);
    expect(body.detail).toMatch(/email: must be an email address/);
    expect(body.detail).toMatch(/password: must have at least 8 characters/);
    expect(body.error).toBe(body.detail);
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["email", "password"]);
  });

  it("answers malformed JSON with 400, never 500", async () => {
    const { status, headers, body } = await call("POST", `${base}/auth/register`, {
      raw: '{"name": "Ada", "email": ',
      headers: { "content-type": "application/json" },
    });
    expect(status).toBe(400);
    expect(headers.get("content-type")).toBe("application/problem+json");
    expect(body.status).toBe(400);
  });

  it("answers a wrong content type with 415", async () => {
    const { status, body } = await call("POST", `${base}/auth/register`, {
      raw: "name=Ada&email=ada@example.com&password=correct-horse",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(status).toBe(415);
    expect(body.status).toBe(415);
  });
});

describe("login and tokens", () => {
  it("answers with the original's fields plus OAuth-style ones", async () => {
    const registered = await register();
    const { status, body } = await login(registered.sent.email as string, registered.sent.password as string);
    expect(status).toBe(200);
    expect(body).toEqual({
      token: expect.any(String),
      user: { id: registered.body.id, name: "Ada Lovelace", email: registered.sent.email, role: "customer" },
      access_token: body.token,
      token_type: "Bearer",
      expires_in: expect.any(Number),
      refresh_token: expect.any(String),
    });
    expect(body.expires_in).toBeGreaterThan(0);
  });

  it("refuses a wrong password and an unknown email alike with 401", async () => {
    const registered = await register();
    const wrong = await login(registered.sent.email as string, "not the password");
    const unknown = await login(uniqueEmail("nobody"), "whatever-password");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it("issues a token that verifies against the published JWKS", async () => {
    const customer = await newCustomer();
    const jwks = await call<JSONWebKeySet>("GET", `${base}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(jwks.body.keys[0]).not.toHaveProperty("d");
    const { payload, protectedHeader } = await jwtVerify(customer.token, createLocalJWKSet(jwks.body), {
      issuer: "bazaar",
      audience: "bazaar",
      algorithms: ["EdDSA"],
    });
    expect(protectedHeader.kid).toBe(jwks.body.keys[0]!.kid);
    expect(payload).toMatchObject({ sub: String(customer.id), role: "customer" });
  });

  it("rotates refresh tokens; a repeat within the grace period gets the same successor, a later one revokes it", async () => {
    const { session } = await newCustomer();
    const rotated = await call("POST", `${base}/auth/refresh`, {
      body: { refresh_token: session.refresh_token },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(session.refresh_token);
    expect(rotated.body.token).toEqual(expect.any(String));
    expect(rotated.body.user.id).toBe(session.user.id);

    // Two requests that raced with one token (two gateway replicas, one browser): both hold one session.
    const repeated = await call("POST", `${base}/auth/refresh`, {
      body: { refresh_token: session.refresh_token },
    });
    expect(repeated.status).toBe(200);
    expect(repeated.body.refresh_token).toBe(rotated.body.refresh_token);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reused = await call("POST", `${base}/auth/refresh`, {
      body: { refresh_token: session.refresh_token },
    });
    expect(reused.status).toBe(401);
    const afterReuse = await call("POST", `${base}/auth/refresh`, {
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(afterReuse.status).toBe(401);
  });

  it("refreshes even when the client still sends a stale access token", async () => {
    const { session } = await newCustomer();
    const rotated = await call("POST", `${base}/auth/refresh`, {
      body: { refresh_token: session.refresh_token },
      headers: { authorization: "Bearer expired.or.garbage" },
    });
    expect(rotated.status).toBe(200);
  });

  it("logout revokes the refresh token", async () => {
    const { session } = await newCustomer();
    const out = await call("POST", `${base}/auth/logout`, { body: { refresh_token: session.refresh_token } });
    expect(out.status).toBe(200);
    const refreshed = await call("POST", `${base}/auth/refresh`, {
      body: { refresh_token: session.refresh_token },
    });
    expect(refreshed.status).toBe(401);
  });

  it("after LOGIN_MAX_FAILURES failures from one address answers it 429 with Retry-After, even with the right password", async () => {
    const registered = await register();
    const email = registered.sent.email as string;
    for (let i = 0; i < 3; i++) expect((await login(email, "wrong password")).status).toBe(401);
    const blocked = await login(email, registered.sent.password as string);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(blocked.body.status).toBe(429);
  });
});

describe("roles", () => {
  it("refuses self-registration as admin or staff with 403", async () => {
    expect((await register({ role: "admin" })).status).toBe(403);
    expect((await register({ role: "staff" })).status).toBe(403);
  });

  it("lets an admin register staff", async () => {
    const { status, body } = await register({ role: "staff" }, adminToken);
    expect(status).toBe(201);
    expect(body.role).toBe("staff");
  });

  it("refuses a deleted admin's token, also on registration", async () => {
    const second = await register({ role: "admin" }, adminToken);
    expect(second.status).toBe(201);
    const session = await login(second.sent.email as string, second.sent.password as string);
    const deleted = await call("DELETE", `${base}/api/customers/${second.body.id}`, { token: adminToken });
    expect(deleted.status).toBe(200);
    const { status } = await register({ role: "staff" }, session.body.token);
    expect(status).toBe(401);
  });

  it("refuses a customer who tries to change their own role", async () => {
    const customer = await newCustomer();
    const { status } = await call("PUT", `${base}/api/customers/${customer.id}`, {
      body: { role: "admin" },
      token: customer.token,
    });
    expect(status).toBe(403);
    const me = await call("GET", `${base}/api/customers/${customer.id}`, { token: customer.token });
    expect(me.body.role).toBe("customer");
  });
});

describe("/api/customers RBAC", () => {
  const customers = `/api/customers`;

  it("admin lists, reads, updates and deletes any customer", async () => {
    const other = await newCustomer();
    const list = await call("GET", `${base}${customers}?limit=100`, { token: adminToken });
    expect(list.status).toBe(200);
    expect(list.body.customers.map((c: { id: number }) => c.id)).toContain(other.id);
    expect(list.body.customers[0]).not.toHaveProperty("password_hash");
    expect((await call("GET", `${base}${customers}/${other.id}`, { token: adminToken })).status).toBe(200);
    const updated = await call("PUT", `${base}${customers}/${other.id}`, {
      body: { name: "Renamed" },
      token: adminToken,
    });
    expect(updated.status).toBe(200);
    expect(updated.body.name).toBe("Renamed");
    expect((await call("DELETE", `${base}${customers}/${other.id}`, { token: adminToken })).status).toBe(200);
    expect((await call("GET", `${base}${customers}/${other.id}`, { token: adminToken })).status).toBe(404);
  });

  it("staff lists and reads, but may not update or delete", async () => {
    const staff = await newCustomer("staff");
    const other = await newCustomer();
    expect((await call("GET", `${base}${customers}`, { token: staff.token })).status).toBe(200);
    expect((await call("GET", `${base}${customers}/${other.id}`, { token: staff.token })).status).toBe(200);
    const update = await call("PUT", `${base}${customers}/${other.id}`, {
      body: { name: "X" },
      token: staff.token,
    });
    expect(update.status).toBe(403);
    expect((await call("DELETE", `${base}${customers}/${other.id}`, { token: staff.token })).status).toBe(
      403,
    );
    expect((await call("GET", `${base}${customers}/${other.id}`, { token: adminToken })).body.name).toBe(
      "Ada Lovelace",
    );
  });

  it("a customer reads, updates and deletes only their own record, and may not list", async () => {
    const me = await newCustomer();
    const other = await newCustomer();
    expect((await call("GET", `${base}${customers}`, { token: me.token })).status).toBe(403);
    expect((await call("GET", `${base}${customers}/${me.id}`, { token: me.token })).status).toBe(200);
    const mine = await call("PUT", `${base}${customers}/${me.id}`, {
      body: { address: "1 Main St" },
      token: me.token,
    });
    expect(mine.status).toBe(200);
    expect(mine.body.address).toBe("1 Main St");

    expect((await call("GET", `${base}${customers}/${other.id}`, { token: me.token })).status).toBe(403);
    const theirs = await call("PUT", `${base}${customers}/${other.id}`, {
      body: { name: "Hacked" },
      token: me.token,
    });
    expect(theirs.status).toBe(403);
    expect((await call("DELETE", `${base}${customers}/${other.id}`, { token: me.token })).status).toBe(403);
    const untouched = await call("GET", `${base}${customers}/${other.id}`, { token: other.token });
    expect(untouched.status).toBe(200);
    expect(untouched.body.name).toBe("Ada Lovelace");

    expect((await call("DELETE", `${base}${customers}/${me.id}`, { token: me.token })).status).toBe(200);
  });

  it("anonymous callers get 401 everywhere", async () => {
    const other = await newCustomer();
    expect((await call("GET", `${base}${customers}`)).status).toBe(401);
    expect((await call("GET", `${base}${customers}/${other.id}`)).status).toBe(401);
    expect((await call("PUT", `${base}${customers}/${other.id}`, { body: { name: "X" } })).status).toBe(401);
    expect((await call("DELETE", `${base}${customers}/${other.id}`)).status).toBe(401);
  });

  it("refuses the token of a deleted customer with 401", async () => {
    const gone = await newCustomer();
    expect((await call("DELETE", `${base}${customers}/${gone.id}`, { token: adminToken })).status).toBe(200);
    const { status } = await call("GET", `${base}${customers}/${gone.id}`, { token: gone.token });
    expect(status).toBe(401);
    const refreshed = await call("POST", `${base}/auth/refresh`, {
      body: { refresh_token: gone.session.refresh_token },
    });
    expect(refreshed.status).toBe(401);
  });
});

describe("events", () => {
  it("publishes bazaar.customer.registered as a binary-mode CloudEvent", async () => {
    const { body } = await register();
    const [delivery] = await eventually(
      async () => {
        const found = deliveriesOf(body.id);
        return found.length > 0 ? found : undefined;
      },
      10_000,
      "customer.registered at the sink",
    );
    expect(delivery!.headers).toMatchObject({
      "ce-specversion": "1.0",
      "ce-type": "bazaar.customer.registered",
      "ce-source": "/bazaar/customer",
      "ce-subject": String(body.id),
      "ce-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(delivery!.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(delivery!.body)).toEqual({
      customer_id: body.id,
      email: body.email,
      name: "Ada Lovelace",
      role: "customer",
    });
  });

  it("loses nothing while the sink is down: the event arrives once it answers 202", async () => {
    sink.status = 500;
    const { body } = await register();
    await eventually(async () => (deliveriesOf(body.id).length >= 2 ? true : undefined), 10_000, "retries");
    expect(deliveriesOf(body.id).every((d) => d.answered === 500)).toBe(true);

    sink.status = 202;
    const accepted = await eventually(
      async () => deliveriesOf(body.id).find((d) => d.answered === 202),
      10_000,
      "delivery after the outage",
    );
    // Every attempt is the same CloudEvent, so a consumer can dedupe.
    expect(new Set(deliveriesOf(body.id).map((d) => d.headers["ce-id"]))).toEqual(
      new Set([accepted.headers["ce-id"]]),
    );
    await new Promise((r) => setTimeout(r, 700)); // two relay ticks: nothing more is sent once accepted
    expect(deliveriesOf(body.id).filter((d) => d.answered === 202)).toHaveLength(1);
  });
});
