import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signAccessToken } from "@bazaar/shared/auth";
import type { Role } from "@bazaar/shared/http";
import { fromAddress, generousLimits, SETTINGS, testGateway, type TestGateway } from "./testing/gateway-app";
import { startTestUpstream, type TestUpstream } from "./testing/upstream-server";

let upstream: TestUpstream;
let gateway: TestGateway;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  upstream = await startTestUpstream();
  gateway = await testGateway(upstream.url);
  for (const role of ["customer", "staff", "admin"] as const) tokens[role] = await gateway.tokenFor(role);
});
afterAll(async () => {
  gateway.close();
  await upstream.stop();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

const send = (
  method: string,
  path: string,
  options: {
    role?: Role;
    token?: string;
    headers?: Record<string, string>;
    body?: string;
    from?: string;
  } = {},
) => {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token ?? (options.role && tokens[options.role]);
  if (token) headers["authorization"] = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  return gateway.app.request(
    path,
    { method, headers, ...(options.body !== undefined && { body: options.body }) },
    fromAddress(options.from ?? "198.51.100.1"),
  );
};

describe("RBAC at the edge", () => {
  type Who = "anonymous" | Role;
  // Expected status per caller: 200 means the request reached the function (the echo answers 200).
  const matrix: [string, string, Record<Who, number>][] = [
    ["GET", "/api/products", { anonymous: 200, customer: 200, staff: 200, admin: 200 }],
    ["POST", "/api/products", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["DELETE", "/api/products/1", { anonymous: 401, customer: 403, staff: 403, admin: 200 }],
    ["GET", "/api/customers", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["GET", "/api/customers/7", { anonymous: 401, customer: 200, staff: 200, admin: 200 }],
    ["POST", "/api/orders", { anonymous: 401, customer: 200, staff: 403, admin: 200 }],
    ["PUT", "/api/orders/1/status", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["GET", "/api/payments", { anonymous: 401, customer: 200, staff: 403, admin: 200 }],
    ["GET", "/api/dead-letters", { anonymous: 401, customer: 403, staff: 200, admin: 200 }],
    ["DELETE", "/api/dead-letters/1", { anonymous: 401, customer: 403, staff: 403, admin: 200 }],
    ["POST", "/auth/login", { anonymous: 200, customer: 200, staff: 200, admin: 200 }],
  ];
  const cases = matrix.flatMap(([method, path, expected]) =>
    (Object.entries(expected) as [Who, number][]).map(
      ([who, status]) => [method, path, who, status] as const,
    ),
  );

  it.each(cases)("%s %s as %s → %i", async (method, path, who, status) => {
    const response = await send(method, path, {
      ...(who !== "anonymous" && { role: who }),
      ...(method !== "GET" && method !== "DELETE" && { body: "{}" }),
    });
    expect(response.status).toBe(status);
    if (status === 200) {
      expect(upstream.seen).toHaveLength(1);
      expect(response.headers.get("x-upstream")).toBe("echo");
    } else {
      // Refused at the edge: the function never saw the request.
      expect(upstream.seen).toHaveLength(0);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(((await response.json()) as { status: number }).status).toBe(status);
    }
  });

  it("refuses a token that does not verify with 401, even on a public route", async () => {
    const response = await send("GET", "/api/products", { token: "not.a.token" });
    expect(response.status).toBe(401);
    expect(await send("GET", "/api/products", { headers: { authorization: "Basic YTpi" } })).toHaveProperty(
      "status",
      401,
    );
    expect(upstream.seen).toHaveLength(0);
  });

  it("does not read the token on login, refresh and logout: an expired or bad one cannot lock a client out", async () => {
    const claims = { id: 7, role: "customer" as const, email: "customer@test.local" };
    const expired = await signAccessToken(gateway.key, claims, { ...SETTINGS, ttlSeconds: -60 });
    expect((await send("GET", "/api/orders", { token: expired })).status).toBe(401);
    for (const path of ["/auth/login", "/auth/refresh", "/auth/logout"])
      for (const authorization of [`Bearer ${expired}`, "Bearer not.a.token", "Basic YTpi"]) {
        const response = await send("POST", path, { headers: { authorization }, body: "{}" });
        expect(response.status, `${path} with ${authorization}`).toBe(200);
      }
    expect(upstream.seen).toHaveLength(9);
    // Registration still reads one: an admin's token may create staff.
    expect((await send("POST", "/auth/register", { token: expired, body: "{}" })).status).toBe(401);
  });

  it("applies the rule of the path the request really names (dot segments resolved)", async () => {
    const response = await send("GET", "/api/products/../customers", { role: "customer" });
    expect(response.status).toBe(403);
  });
});

describe("proxying", () => {
  it("forwards method, path, query, body and Authorization; returns the function's answer", async () => {
    const response = await send("POST", "/api/orders?dry=1", {
      role: "customer",
      body: JSON.stringify({ product_id: 1, quantity: 2 }),
      headers: { "idempotency-key": "abc" },
    });
    expect(response.status).toBe(200);
    const seen = upstream.seen[0]!;
    expect(seen).toMatchObject({
      method: "POST",
      url: "/api/orders?dry=1",
      body: '{"product_id":1,"quantity":2}',
    });
    expect(seen.headers["authorization"]).toBe(`Bearer ${tokens.customer}`);
    expect(seen.headers["idempotency-key"]).toBe("abc");
    expect(seen.headers["content-type"]).toBe("application/json");
  });

  it("never lets client identity headers through and sets forwarding headers from the socket", async () => {
    await send("GET", "/api/products", {
      headers: {
        "x-user-id": "1",
        "x-user-role": "admin",
        "x-user-email": "admin@shop",
        "x-forwarded-user": "admin",
        "x-auth-user": "admin",
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-proto": "https",
      },
      from: "::ffff:203.0.113.9",
    });
    const headers = upstream.seen[0]!.headers;
    for (const name of ["x-user-id", "x-user-role", "x-user-email", "x-forwarded-user", "x-auth-user"])
      expect(headers[name], name).toBeUndefined();
    expect(headers["x-forwarded-for"]).toBe("203.0.113.9");
    expect(headers["x-forwarded-proto"]).toBe("http");
  });

  it("carries the correlation id and the trace onwards and back", async () => {
    const response = await send("GET", "/api/products", {
      headers: {
        "x-correlation-id": "order-flow-42",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
    });
    const headers = upstream.seen[0]!.headers;
    expect(headers["x-correlation-id"]).toBe("order-flow-42");
    expect(headers["traceparent"]).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(headers["traceparent"]).not.toContain("b7ad6b7169203331");
    expect(response.headers.get("x-correlation-id")).toBe("order-flow-42");
  });

  it("passes 4xx and 5xx answers through unchanged", async () => {
    upstream.answer((_, res) => {
      res.writeHead(409, { "content-type": "application/problem+json", "x-detail": "kept" });
      res.end('{"status":409,"error":"taken"}');
    });
    try {
      const response = await send("POST", "/auth/register", { body: "{}" });
      expect(response.status).toBe(409);
      expect(response.headers.get("x-detail")).toBe("kept");
      expect(await response.json()).toEqual({ status: 409, error: "taken" });
    } finally {
      upstream.answer((await import("./testing/upstream-server")).echo);
    }
  });

  it("answers unknown paths with a 404 problem and a wrong method with 405 and Allow", async () => {
    const missing = await send("GET", "/api/secrets");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { detail: string }).detail).toBe("no route for GET /api/secrets");
    const wrong = await send("DELETE", "/api/orders");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST, GET");
    expect(wrong.headers.get("content-type")).toBe("application/problem+json");
    expect(upstream.seen).toHaveLength(0);
  });
});

describe("limits", () => {
  it("refuses a body over the limit with 413 before the function is called", async () => {
    const small = await testGateway(upstream.url, { bodyLimitBytes: 100 });
    try {
      const response = await small.app.request("/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "x".repeat(200) }),
      });
      expect(response.status).toBe(413);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(upstream.seen).toHaveLength(0);
    } finally {
      small.close();
    }
  });

  it("limits per client: the user of the token, else the address; health never", async () => {
    const tight = await testGateway(upstream.url, {
      rateLimits: { ...generousLimits, read: { limit: 2, windowSeconds: 60 } },
    });
    try {
      const get = (from: string, token?: string) =>
        tight.app.request(
          "/api/products",
          { headers: token ? { authorization: `Bearer ${token}` } : {} },
          fromAddress(from),
        );
      expect((await get("10.0.0.1")).status).toBe(200);
      expect((await get("10.0.0.1")).status).toBe(200);
      const refused = await get("10.0.0.1");
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("60");
      expect((await get("10.0.0.2")).status).toBe(200);
      // A signed-in user has their own budget, wherever they come from.
      expect((await get("10.0.0.1", await tight.tokenFor("customer"))).status).toBe(200);

      for (let i = 0; i < 5; i++)
        expect((await tight.app.request("/healthz", {}, fromAddress("10.0.0.1"))).status).toBe(200);
      const metrics = await tight.metrics.registry.metrics();
      expect(metrics).toContain('rate_limit_rejections_total{route="/api/products",service="gateway"} 1');
    } finally {
      tight.close();
    }
  });

  it("limits logins and registrations per address, whatever token comes with them", async () => {
    const tight = await testGateway(upstream.url, {
      rateLimits: { ...generousLimits, auth: { limit: 2, windowSeconds: 60 } },
    });
    try {
      const login = async (from: string, token?: string) =>
        (
          await tight.app.request(
            "/auth/login",
            {
              method: "POST",
              headers: {
                "content-type": "application/json",
                ...(token && { authorization: `Bearer ${token}` }),
              },
              body: "{}",
            },
            fromAddress(from),
          )
        ).status;
      expect(await login("10.0.0.1")).toBe(200);
      expect(await login("10.0.0.1", await tight.tokenFor("customer"))).toBe(200);
      // Another user's token, or a fresh one of the same user, opens no new budget at that address.
      expect(await login("10.0.0.1", await tight.tokenFor("customer", 70))).toBe(429);
      expect(await login("10.0.0.1", await tight.tokenFor("admin"))).toBe(429);
      expect(await login("10.0.0.2", await tight.tokenFor("customer", 70))).toBe(200);
    } finally {
      tight.close();
    }
  });

  it("does not serve /metrics on its public port, to anyone (Prometheus scrapes a private one)", async () => {
    for (const token of [undefined, tokens.customer, tokens.admin]) {
      const response = await send("GET", "/metrics", token ? { token } : {});
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.text()).not.toContain("http_requests_total");
    }
  });
});

describe("upstream trouble", () => {
  it("stops the function's call when the client hangs up (a real server)", async () => {
    let cutOff = false;
    const slow = await startTestUpstream((_, response) => {
      response.on("close", () => (cutOff = !response.writableFinished));
      setTimeout(() => response.end("[]"), 2000);
    });
    const slowGateway = await testGateway(slow.url);
    const server = serve({ fetch: slowGateway.app.fetch, port: 0, hostname: "127.0.0.1" });
    try {
      await new Promise((resolve) => server.once("listening", resolve));
      const client = request({
        host: "127.0.0.1",
        port: (server.address() as AddressInfo).port,
        path: "/api/products",
      });
      client.on("error", () => undefined); // the hang-up below
      client.end();
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.destroy();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(cutOff).toBe(true);
    } finally {
      server.close();
      slowGateway.close();
      await slow.stop();
    }
  });

  it("answers 502 problem when the function's answer is larger than the gateway passes on", async () => {
    const lavish = await startTestUpstream((_, response) => response.end(`[${'"item",'.repeat(200)}""]`));
    const capped = await testGateway(lavish.url, { upstream: { maxAnswerBytes: 1000 } });
    try {
      const response = await capped.app.request("/api/products?limit=100", {
        headers: { "x-correlation-id": "big-answer-1" },
      });
      expect(response.status).toBe(502);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("x-correlation-id")).toBe("big-answer-1");
      expect(await response.json()).toMatchObject({
        detail: "the inventory service's answer is larger than the 1000 bytes the gateway passes on",
        instance: "/api/products",
      });
    } finally {
      capped.close();
      await lavish.stop();
    }
  });

  it("answers 503 problem when the function cannot be reached", async () => {
    const down = await startTestUpstream();
    await down.stop();
    const lonely = await testGateway(down.url);
    try {
      const response = await lonely.app.request("/api/products");
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(((await response.json()) as { detail: string }).detail).toBe(
        "the inventory service cannot be reached",
      );
    } finally {
      lonely.close();
    }
  });
});

describe("CORS", () => {
  it("is off unless origins are configured", async () => {
    const response = await send("GET", "/api/products", { headers: { origin: "https://shop.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers preflights and tags answers for configured origins only", async () => {
    const open = await testGateway(upstream.url, { corsOrigins: ["https://shop.example"] });
    try {
      const preflight = await open.app.request("/api/orders", {
        method: "OPTIONS",
        headers: {
          origin: "https://shop.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://shop.example");
      expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");

      const answer = await open.app.request("/api/products", { headers: { origin: "https://shop.example" } });
      expect(answer.headers.get("access-control-allow-origin")).toBe("https://shop.example");
      expect(answer.headers.get("access-control-expose-headers")).toContain("retry-after");
      const stranger = await open.app.request("/api/products", {
        headers: { origin: "https://evil.example" },
      });
      expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      open.close();
    }
  });
});

describe("documentation", () => {
  it("serves the OpenAPI document and a docs page", async () => {
    const document = (await (await send("GET", "/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: object }>>;
    };
    expect(document.openapi).toBe("3.1.0");
    expect(document.paths["/api/orders/{id}/cancel"]?.["post"]?.requestBody).toMatchObject({
      required: false,
    });
    const page = await send("GET", "/docs");
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain("/api/orders/{id}/cancel");
  });
});

describe("edge cache of the public catalog", () => {
  it("answers anonymous catalog GETs from memory per host, path and query; never signed-in, other or failed ones", async () => {
    const cached = await testGateway(upstream.url, { catalogCacheMs: 60_000 });
    const customer = await cached.tokenFor("customer");
    const get = (path: string, token?: string) =>
      cached.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    try {
      const first = await get("/api/products?q=lap");
      const again = await get("/api/products?q=lap");
      expect(upstream.seen).toHaveLength(1);
      expect(await again.json()).toEqual(await first.json());
      expect(again.headers.get("age")).toBe("0");
      expect(first.headers.get("age")).toBeNull();
      // Per-request headers stay per request.
      expect(again.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
      expect(again.headers.get("ratelimit-remaining")).not.toBe(first.headers.get("ratelimit-remaining"));

      await get("/api/products?q=desk");
      await get("/api/products/1");
      await get("/api/products/1");
      expect(upstream.seen).toHaveLength(3);
      // HEAD runs the GET route but its answer has no body: never kept, never answered from memory.
      const head = await cached.app.request("/api/products?q=new", { method: "HEAD" });
      expect(head.status).toBe(200);
      expect((await get("/api/products?q=new")).headers.get("age")).toBeNull();
      expect(upstream.seen).toHaveLength(5);
      expect(upstream.seen[3]?.method).toBe("HEAD");
      // Another Host (X-Forwarded-Host upstream) is another entry.
      await cached.app.request("/api/products?q=lap", { headers: { host: "elsewhere.example" } });
      expect(upstream.seen).toHaveLength(6);
      expect(upstream.seen[5]?.headers["x-forwarded-host"]).toBe("elsewhere.example");

      for (let i = 0; i < 2; i++) await get("/api/products?q=lap", customer);
      for (let i = 0; i < 2; i++) await get("/api/orders", customer);
      expect(upstream.seen).toHaveLength(10);

      upstream.answer((_, res) => res.writeHead(500, { "content-type": "application/json" }).end("{}"));
      for (let i = 0; i < 2; i++) expect((await get("/api/products?q=broken")).status).toBe(500);
      expect(upstream.seen).toHaveLength(12);
    } finally {
      upstream.answer((await import("./testing/upstream-server")).echo);
      cached.close();
    }
  });
});
