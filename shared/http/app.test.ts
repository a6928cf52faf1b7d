import { connect, type AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import * as z from "zod";
import { Conflict, NotFound, TooManyRequests } from "../errors";
import { createLogger, createMetrics } from "../observability";
import { createHttpApp } from "./app";
import type { AppEnv, HttpDeps } from "./context";
import { validate } from "./validate";

/** The JSON body of a response, read loosely: a wrong shape fails the assertion that reads it. */
const json = (response: Response): Promise<any> => response.json();

const deps = (overrides: Partial<HttpDeps> = {}): HttpDeps => ({
  service: "test",
  logger: createLogger("test", "silent"),
  metrics: createMetrics("test"),
  bodyLimitBytes: 256,
  ...overrides,
});

/** A tiny function: a sub-app with a templated route, like the real ones. */
function buildApp(httpDeps = deps()) {
  const app = createHttpApp(httpDeps);
  const items = new Hono<AppEnv>()
    .get("/:id", (c) => {
      if (c.req.param("id") === "404") throw new NotFound("item 404 not found");
      return c.json({ id: c.req.param("id") });
    })
    .post(
      "/",
      validate("json", z.strictObject({ name: z.string().min(1), quantity: z.number().int() })),
      (c) => c.json(c.req.valid("json"), 201),
    );
  app.route("/items", items);
  app.get("/conflict", () => {
    throw new Conflict("sku LAP001 is taken");
  });
  app.get("/limited", () => {
    throw new TooManyRequests("slow down", { retryAfterSeconds: 30 });
  });
  app.get("/boom", () => {
    throw new Error("SQLITE_CORRUPT at /var/lib/secret.db");
  });
  app.get("/context", (c) =>
    c.json({
      correlationId: c.get("correlationId"),
      traceparent: c.get("traceparent"),
      requestId: c.get("requestId"),
    }),
  );
  return app;
}

/** The value of one Prometheus sample whose labels include `labels` (in any order). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split("\n")
    .find(
      (l) =>
        l.startsWith(`${name}{`) &&
        Object.entries(labels).every(([key, value]) => l.includes(`${key}="${value}"`)),
    );
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

const postJson = (body: string, contentType = "application/json") => ({
  method: "POST",
  headers: { "content-type": contentType },
  body,
});

describe("problem+json errors", () => {
  it("answers a domain error with its status, a problem body and the request path as instance", async () => {
    const response = await buildApp().request("/conflict");
    expect(response.status).toBe(409);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(response)).toEqual({
      type: "https://bazaar.dev/problems/conflict",
      title: "Conflict",
      status: 409,
      detail: "sku LAP001 is taken",
      error: "sku LAP001 is taken",
      instance: "/conflict",
    });
  });

  it("maps errors thrown in a sub-app and sets Retry-After", async () => {
    const app = buildApp();
    expect((await app.request("/items/404")).status).toBe(404);
    const limited = await app.request("/limited");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("30");
  });

  it("answers 500 without leaking the internal message", async () => {
    const response = await buildApp().request("/boom");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toMatch(/SQLITE|secret/);
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: "Internal Server Error" });
  });

  it("answers an unknown route with a 404 problem", async () => {
    const response = await buildApp().request("/nowhere");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(response)).toMatchObject({ status: 404, detail: "no route for GET /nowhere" });
  });
});

describe("request bodies", () => {
  it("refuses a body over the limit with 413", async () => {
    const response = await buildApp().request(
      "/items",
      postJson(JSON.stringify({ name: "x".repeat(500), quantity: 1 })),
    );
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({ status: 413, detail: "request body exceeds 256 bytes" });
  });

  it("refuses a wrong or missing content type with 415", async () => {
    const app = buildApp();
    const wrong = await app.request("/items", postJson('{"name":"a","quantity":1}', "text/plain"));
    expect(wrong.status).toBe(415);
    expect((await json(wrong)).detail).toContain("text/plain");
    const missing = await app.request("/items", { method: "POST", body: '{"name":"a","quantity":1}' });
    expect(missing.status).toBe(415);
  });

  it("accepts JSON with a charset or a +json type", async () => {
    const app = buildApp();
    const body = '{"name":"a","quantity":1}';
    expect((await app.request("/items", postJson(body, "application/json; charset=utf-8"))).status).toBe(201);
    expect((await app.request("/items", postJson(body, "application/merge-patch+json"))).status).toBe(201);
  });

  it("answers malformed JSON with a 400 problem, never a 500", async () => {
    const response = await buildApp().request("/items", postJson('{"name": "a",'));
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect((await json(response)).detail).toMatch(/malformed json/i);
  });

  it("names every bad field in the detail and in errors[]", async () => {
    const response = await buildApp().request("/items", postJson('{"name":"","quantity":1.5,"extra":true}'));
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.detail).toMatch(/^invalid body: /);
    expect(body.detail).toContain("name: ");
    expect(body.detail).toContain("quantity: ");
    expect(body.detail).toContain("extra");
    expect(body.errors.map((issue: { field: string }) => issue.field)).toEqual(
      expect.arrayContaining(["name", "quantity"]),
    );
  });

  it("names the target when the whole value is wrong", async () => {
    const response = await buildApp().request("/items", postJson("[1,2]"));
    expect(response.status).toBe(400);
    expect((await json(response)).errors).toEqual([{ field: "body", message: expect.any(String) }]);
  });
});

describe("correlation and trace context", () => {
  it("keeps a valid correlation id and returns it", async () => {
    const response = await buildApp().request("/context", { headers: { "x-correlation-id": "checkout-7" } });
    expect(response.headers.get("x-correlation-id")).toBe("checkout-7");
    expect((await json(response)).correlationId).toBe("checkout-7");
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("puts both ids on answers served by Node itself, errors and 404s included, each once", async () => {
    const server = serve({ fetch: buildApp().fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((listening) => server.once("listening", listening));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ["/items/7", "/conflict", "/nowhere", "/healthz"]) {
        const response = await fetch(`${base}${path}`, { headers: { "x-correlation-id": "checkout-8" } });
        expect(response.headers.get("x-correlation-id"), path).toBe("checkout-8");
        expect(response.headers.get("x-request-id"), path).toMatch(/^[0-9a-f-]{36}$/);
      }
    } finally {
      server.close();
    }
  });

  it("counts a request whose client hung up mid-body as 499, not as a failure of ours", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const app = buildApp(deps({ logger }));
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((listening) => server.once("listening", listening));
    try {
      const socket = connect({ host: "127.0.0.1", port: (server.address() as AddressInfo).port });
      socket.write(
        "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
      );
      await new Promise((sent) => setTimeout(sent, 50));
      socket.destroy();
      await vi.waitFor(() => expect(lines.find((line) => line["msg"] === "request")).toBeDefined());
      expect(lines.find((line) => line["msg"] === "request")).toMatchObject({ route: "/items", status: 499 });
      expect(lines.filter((line) => (line["level"] as number) >= 50)).toEqual([]); // no error logged
      const text = await (await app.request("/metrics")).text();
      expect(sample(text, "http_requests_total", { route: "/items", status: "499" })).toBe(1);
      expect(text).not.toMatch(/http_requests_total\{[^}]*status="5/);
    } finally {
      server.close();
    }
  });

  it("replaces an unsafe correlation id, also on error answers", async () => {
    const response = await buildApp().request("/conflict", { headers: { "x-correlation-id": "a b<c>" } });
    const id = response.headers.get("x-correlation-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("continues the caller's trace with a new span, or starts one", async () => {
    const app = buildApp();
    const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const continued = (await json(await app.request("/context", { headers: { traceparent: incoming } })))
      .traceparent as string;
    expect(continued).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(continued).not.toBe(incoming);
    const started = (await json(await app.request("/context"))).traceparent as string;
    expect(started).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("reads both from a binary-mode CloudEvent's extensions when the plain headers are missing", async () => {
    const response = await buildApp().request("/context", {
      headers: {
        "ce-correlationid": "order-42-flow",
        "ce-traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      },
    });
    const context = await json(response);
    expect(context.correlationId).toBe("order-42-flow");
    expect(context.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  });
});

describe("health and metrics", () => {
  it("/healthz answers 200", async () => {
    const response = await buildApp().request("/healthz");
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: "ok", service: "test" });
  });

  it("/readyz follows isReady: 200, 503 when false, 503 when it throws", async () => {
    expect((await buildApp(deps({ isReady: async () => true })).request("/readyz")).status).toBe(200);
    const notReady = await buildApp(deps({ isReady: async () => false })).request("/readyz");
    expect(notReady.status).toBe(503);
    expect(await json(notReady)).toEqual({ status: "not ready", service: "test" });
    const failing = buildApp(
      deps({
        isReady: () => Promise.reject(new Error("db down")),
      }),
    );
    expect((await failing.request("/readyz")).status).toBe(503);
  });

  it("labels request metrics by route template, never the raw path", async () => {
    const app = buildApp();
    await app.request("/items/42");
    await app.request("/items/43");
    await app.request("/items/404");
    await app.request("/nowhere/at/all");
    const response = await app.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(sample(text, "http_requests_total", { route: "/items/:id", status: "200" })).toBe(2);
    expect(sample(text, "http_requests_total", { route: "/items/:id", status: "404" })).toBe(1);
    expect(sample(text, "http_request_duration_seconds_count", { route: "/items/:id", status: "200" })).toBe(
      2,
    );
    expect(text).not.toMatch(/route="\/items\/4[23]"/);
    expect(text).not.toContain("/nowhere/at/all");
    // An unknown path is counted under the catch-all middleware's template, so cardinality stays bounded.
    expect(sample(text, "http_requests_total", { route: "/*", status: "404" })).toBe(1);
  });
});
