import { createHmac, createPublicKey } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { base64url, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSigningKey } from "../shared/auth";
import { call, eventually } from "./support/http";
import { ADMIN, startSystem, type System } from "./support/system";

/**
 * The gateway in front of the real customer function; the other functions are stood in for by small HTTP
 * servers in this process, so the gateway's own behaviour is what is under test.
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A function stand-in: echoes what it received; /slow answers after 1.5 s. Can be stopped and restarted. */
class StandIn {
  seen: Seen[] = [];
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const seen = { method: request.method ?? "", url: request.url ?? "", headers: request.headers };
        this.seen.push(seen);
        const answer = () =>
          response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(seen));
        if (seen.url.endsWith("/slow")) setTimeout(answer, 1500);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

const echo = new StandIn();
/** Behind NOTIFICATION_URL: the one stopped and restarted to walk its breaker through its states. */
const flaky = new StandIn();
let system: System;
let gateway: string;
const tokens = { anonymous: undefined as string | undefined, customer: "", staff: "", admin: "" };
let customerId = 0;
let seq = 0;
const uniqueEmail = (label: string) => `${label}-${Date.now()}-${++seq}@example.com`;

async function registerAndLogin(role?: "staff"): Promise<{ id: number; token: string }> {
  const email = uniqueEmail(role ?? "customer");
  const registered = await call("POST", `${gateway}/auth/register`, {
    body: { name: "Grace Hopper", email, password: "a long password", ...(role && { role }) },
    token: role ? tokens.admin : undefined,
  });
  expect(registered.status).toBe(201);
  const session = await call("POST", `${gateway}/auth/login`, {
    body: { email, password: "a long password" },
  });
  expect(session.status).toBe(200);
  return { id: registered.body.id, token: session.body.token };
}

/** The gateway's metrics, from the private port Prometheus scrapes (the public one does not serve them). */
const metricsText = async () => (await call("GET", `${system.metricsUrl("gateway")}/metrics`)).body as string;
const breakerState = async (name: string) =>
  new RegExp(`circuit_breaker_state\\{breaker="${name}",service="gateway"\\} (\\d)`).exec(
    await metricsText(),
  )?.[1];

beforeAll(async () => {
  await echo.start();
  await flaky.start();
  system = await startSystem({
    services: ["customer", "gateway"],
    env: {
      gateway: {
        INVENTORY_URL: echo.url,
        ORDER_URL: echo.url,
        PAYMENT_URL: echo.url,
        SHIPPING_URL: echo.url,
        DEAD_LETTERS_URL: echo.url,
        NOTIFICATION_URL: flaky.url,
        RATE_LIMIT_AUTH: "100",
        RATE_LIMIT_ORDER_PLACEMENT: "3",
        GATEWAY_BREAKER_RESET_MS: "1000",
        GATEWAY_BREAKER_VOLUME_THRESHOLD: "3",
        GATEWAY_TIMEOUT_MS_PAYMENT: "500",
      },
    },
  });
  gateway = system.url("gateway");
  const admin = await call("POST", `${gateway}/auth/login`, { body: ADMIN });
  expect(admin.status).toBe(200);
  tokens.admin = admin.body.token;
  tokens.staff = (await registerAndLogin("staff")).token;
  const customer = await registerAndLogin();
  tokens.customer = customer.token;
  customerId = customer.id;
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([echo.stop(), flaky.stop()]);
});

describe("accounts through the gateway", () => {
  it("registers and logs in, and the customer function answers through the gateway", async () => {
    const me = await call("GET", `${gateway}/api/customers/${customerId}`, { token: tokens.customer });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: customerId, role: "customer" });
    // Ownership is the function's check: the edge lets a customer through, the function refuses another id.
    const other = await call("GET", `${gateway}/api/customers/1`, { token: tokens.customer });
    expect(other.status).toBe(403);
    const jwks = await call("GET", `${gateway}/.well-known/jwks.json`);
    expect(jwks.body.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519" });
  });
});

describe("RBAC at the edge", () => {
  type Caller = keyof typeof tokens;
  const matrix: [string, string, Record<Caller, number>][] = [
    ["GET", "/api/products", { anonymous: 200, customer: 200, staff: 200, admin: 200 }],
    ["POST", "/api/products", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["DELETE", "/api/products/1", { anonymous: 401, customer: 403, staff: 403, admin: 200 }],
    ["GET", "/api/customers", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["GET", "/api/orders/1", { anonymous: 401, customer: 200, staff: 200, admin: 200 }],
    ["PUT", "/api/orders/1/status", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["GET", "/api/payments", { anonymous: 401, customer: 200, staff: 403, admin: 200 }],
    ["PATCH", "/api/shipments/1/status", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["GET", "/api/dead-letters", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["DELETE", "/api/dead-letters/1", { anonymous: 401, customer: 403, staff: 403, admin: 200 }],
  ];
  const cases = matrix.flatMap(([method, path, expected]) =>
    (Object.entries(expected) as [Caller, number][]).map(
      ([caller, status]) => [method, path, caller, status] as const,
    ),
  );

  it.each(cases)("%s %s as %s → %i", async (method, path, caller, status) => {
    const before = echo.seen.length;
    const answer = await call(method, `${gateway}${path}`, {
      token: tokens[caller],
      ...(method !== "GET" && method !== "DELETE" && { body: {} }),
    });
    expect(answer.status).toBe(status);
    if (path === "/api/customers") return; // answered by the real customer function
    if (status === 200) {
      expect(answer.body).toMatchObject({ method, url: path });
    } else {
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      expect(answer.body).toMatchObject({ status, type: expect.stringContaining("https://") });
      expect(answer.headers.get("www-authenticate")).toBe(status === 401 ? 'Bearer realm="bazaar"' : null);
      expect(echo.seen.length).toBe(before); // refused before the function was called
    }
  });
});

describe("forged tokens", () => {
  const claims = () => ({ sub: "1", role: "admin", email: ADMIN.email, iss: "bazaar", aud: "bazaar" });
  const now = () => Math.floor(Date.now() / 1000);
  const encode = (part: object) => base64url.encode(JSON.stringify(part));

  const forgeries: [string, () => Promise<string>][] = [
    [
      "alg none",
      async () => `${encode({ alg: "none", typ: "JWT" })}.${encode({ ...claims(), exp: now() + 600 })}.`,
    ],
    [
      "a key the shop does not hold",
      async () => {
        const stranger = await loadSigningKey({ dataDir: `${system.dataDir}/stranger` });
        return new SignJWT(claims())
          .setProtectedHeader({ alg: "EdDSA", kid: stranger.kid })
          .setExpirationTime("10m")
          .sign(stranger.privateKey);
      },
    ],
    [
      "an expired token signed by the real key",
      async () => {
        const real = await loadSigningKey({ dataDir: system.dataDir });
        return new SignJWT(claims())
          .setProtectedHeader({ alg: "EdDSA", kid: real.kid })
          .setIssuedAt(now() - 3600)
          .setExpirationTime(now() - 1800)
          .sign(real.privateKey);
      },
    ],
    [
      "a real token with its payload changed to admin",
      async () => {
        const [header, payload, signature] = tokens.customer.split(".");
        const changed = {
          ...JSON.parse(new TextDecoder().decode(base64url.decode(payload!))),
          role: "admin",
        };
        return `${header}.${encode(changed)}.${signature}`;
      },
    ],
    [
      "HS256 signed with the public key",
      async () => {
        const real = await loadSigningKey({ dataDir: system.dataDir });
        const pem = createPublicKey({ key: real.publicJwk as never, format: "jwk" }).export({
          type: "spki",
          format: "pem",
        });
        const unsigned = `${encode({ alg: "HS256", typ: "JWT", kid: real.kid })}.${encode({ ...claims(), exp: now() + 600 })}`;
        return `${unsigned}.${createHmac("sha256", pem).update(unsigned).digest("base64url")}`;
      },
    ],
  ];

  it.each(forgeries)("refuses %s with 401, on protected and public routes alike", async (_, forge) => {
    const token = await forge();
    const before = echo.seen.length;
    for (const path of ["/api/dead-letters", "/api/products"]) {
      const answer = await call("GET", `${gateway}${path}`, { token });
      expect(answer.status, path).toBe(401);
      expect(answer.body).toMatchObject({ status: 401, title: "Unauthorized" });
    }
    expect(echo.seen.length).toBe(before);
  });
});

describe("headers", () => {
  it("never passes a client's identity headers to a function; forwarding headers come from the socket", async () => {
    const answer = await call("GET", `${gateway}/api/orders`, {
      token: tokens.customer,
      headers: {
        "x-user-id": "1",
        "x-user-role": "admin",
        "x-user-email": ADMIN.email,
        "x-forwarded-user": "admin",
        "x-auth-request-email": ADMIN.email,
        "x-forwarded-for": "6.6.6.6",
        "x-correlation-id": "checkout-77",
      },
    });
    expect(answer.status).toBe(200);
    const headers = answer.body.headers as IncomingHttpHeaders;
    for (const name of [
      "x-user-id",
      "x-user-role",
      "x-user-email",
      "x-forwarded-user",
      "x-auth-request-email",
    ])
      expect(headers[name], name).toBeUndefined();
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(headers["authorization"]).toBe(`Bearer ${tokens.customer}`);
    expect(headers["x-correlation-id"]).toBe("checkout-77");
    expect(headers["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(answer.headers.get("x-correlation-id")).toBe("checkout-77");
    // The gateway's own request id and rate-limit state, each once, over whatever the function answered.
    expect(answer.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers.get("ratelimit-remaining")).toMatch(/^\d+$/);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After once a user placed the configured number of orders", async () => {
    const { token } = await registerAndLogin();
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const placed = await call("POST", `${gateway}/api/orders`, {
        token,
        body: { product_id: 1, quantity: 1 },
      });
      expect(placed.status).toBe(200);
      remaining.push(placed.headers.get("ratelimit-remaining"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const refused = await call("POST", `${gateway}/api/orders`, {
      token,
      body: { product_id: 1, quantity: 1 },
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-limit")).toBe("3");
    expect(refused.body.detail).toMatch(/rate limit exceeded/);
    // Another user's budget is untouched; health is never limited.
    const other = await call("POST", `${gateway}/api/orders`, { token: tokens.admin, body: {} });
    expect(other.status).toBe(200);
    expect((await call("GET", `${gateway}/healthz`)).status).toBe(200);
    expect(await metricsText()).toMatch(
      /rate_limit_rejections_total\{route="\/api\/orders",service="gateway"\} 1/,
    );
  });
});

describe("upstream trouble", () => {
  it("answers 504 when a function does not answer within its timeout", async () => {
    const started = Date.now();
    const answer = await call("GET", `${gateway}/api/payments/slow`, { token: tokens.admin });
    expect(answer.status).toBe(504);
    expect(answer.body).toMatchObject({
      status: 504,
      detail: "the payment service did not answer within 500 ms",
    });
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it("walks a breaker through closed → open (fast 503) → half-open → closed", async () => {
    const get = () => call("GET", `${gateway}/api/notifications`, { token: tokens.customer });
    expect((await get()).status).toBe(200);
    expect(await breakerState("notification")).toBe("0");

    await flaky.stop();
    // Volume threshold 3: one success and two failures (67 % > 50 %) open it.
    for (let i = 0; i < 2; i++) {
      const refused = await get();
      expect(refused.status).toBe(503);
      expect(refused.body.detail).toBe("the notification service cannot be reached");
    }
    await flaky.start(); // back already, but the open breaker does not try it yet
    const started = Date.now();
    const fast = await get();
    expect(fast.status).toBe(503);
    expect(fast.body.detail).toMatch(/circuit open/);
    expect(Number(fast.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(200);
    expect(await breakerState("notification")).toBe("2");
    const calls = flaky.seen.length;

    await eventually(
      async () => ((await breakerState("notification")) === "1" ? true : undefined),
      5000,
      "half-open",
    );
    expect(flaky.seen.length).toBe(calls);
    expect((await get()).status).toBe(200); // the trial call
    expect(await breakerState("notification")).toBe("0");
    expect((await get()).status).toBe(200);
  });
});

describe("edge cache of the catalog", () => {
  it("answers a repeated anonymous catalog GET from memory for a moment, a signed-in one never", async () => {
    const path = `/api/products?q=edge-cache-${Date.now()}`;
    const before = echo.seen.length;
    const first = await call("GET", `${gateway}${path}`);
    const again = await call("GET", `${gateway}${path}`);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    expect(Number(again.headers.get("age"))).toBeGreaterThanOrEqual(0);
    expect(echo.seen.length).toBe(before + 1);
    for (let i = 0; i < 2; i++) await call("GET", `${gateway}${path}`, { token: tokens.customer });
    expect(echo.seen.length).toBe(before + 3);
    // GATEWAY_CATALOG_CACHE_MS (1000 by default) later, the function is asked again.
    await eventually(
      async () => ((await call("GET", `${gateway}${path}`)).headers.get("age") === null ? true : undefined),
      3000,
      "a fresh answer",
    );
    expect(echo.seen.length).toBe(before + 4);
  });
});

describe("gateway's own routes", () => {
  it("serves health, the OpenAPI document and a docs page without limits or tokens", async () => {
    expect((await call("GET", `${gateway}/readyz`)).body).toMatchObject({
      status: "ready",
      service: "gateway",
    });
    const document = await call("GET", `${gateway}/openapi.json`);
    expect(document.body.openapi).toBe("3.1.0");
    const place = document.body.paths["/api/orders"].post;
    expect(place["x-rate-limit"]).toMatchObject({ limit: 3 });
    // Bodies and parameters come from the schemas the functions validate with (tests/openapi.test.ts).
    expect(place.requestBody.content["application/json"].schema.anyOf[0].required).toEqual([
      "product_id",
      "quantity",
    ]);
    const docs = await call("GET", `${gateway}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.body).toContain("/api/orders/{id}/cancel");
    expect(docs.body).toContain("product_id*: integer");
    const missing = await call("GET", `${gateway}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
  });

  it("serves its metrics on a private port only: the public port answers 404 to anyone", async () => {
    for (const token of [undefined, tokens.customer, tokens.admin]) {
      const answer = await call("GET", `${gateway}/metrics`, { token });
      expect(answer.status).toBe(404);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
    const scraped = await call<string>("GET", `${system.metricsUrl("gateway")}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.body).toMatch(/^http_requests_total\{.*service="gateway"\} \d+$/m);
  });
});
