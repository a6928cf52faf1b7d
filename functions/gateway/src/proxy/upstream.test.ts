import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "@bazaar/shared/errors";
import { AnswerHeaders } from "@bazaar/shared/http";
import { createMetrics } from "@bazaar/shared/observability";
import { startTestUpstream, type TestUpstream } from "../testing/upstream-server";
import {
  createUpstream,
  responseOf,
  type ForwardRequest,
  type Upstream,
  type UpstreamSettings,
} from "./upstream";

const request = (pathAndQuery = "/api/products?q=lap"): ForwardRequest => ({
  method: "GET",
  pathAndQuery,
  headers: { accept: "application/json" },
  body: undefined,
});

const settings = (baseUrl: string, extra: Partial<UpstreamSettings> = {}): UpstreamSettings => ({
  baseUrl,
  timeoutMs: 1000,
  maxAnswerBytes: 64 * 1024,
  resetTimeoutMs: 300,
  errorThresholdPercentage: 50,
  volumeThreshold: 3,
  ...extra,
});

/** The answer as the gateway hands it to the client. */
const forwarded = async (upstream: Upstream, request: ForwardRequest): Promise<Response> =>
  responseOf(await upstream.forward(request), new AnswerHeaders());

const failureOf = async (promise: Promise<unknown>): Promise<DomainError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
};

const statusAnswer =
  (status: number) =>
  (_: unknown, response: import("node:http").ServerResponse): void => {
    response.writeHead(status, { "content-type": "application/problem+json", "x-from": "upstream" });
    response.end(JSON.stringify({ status, detail: `upstream said ${status}` }));
  };

describe("upstream behind a breaker", () => {
  let server: TestUpstream | undefined;
  let upstream: Upstream | undefined;
  afterEach(async () => {
    upstream?.shutdown();
    await server?.stop();
  });

  it("passes the path, query, status, headers and body through unchanged", async () => {
    server = await startTestUpstream();
    upstream = createUpstream("inventory", settings(`${server.url}/`));
    const response = await forwarded(upstream, request());
    expect(response.status).toBe(200);
    expect(response.headers.get("x-upstream")).toBe("echo");
    const seen = (await response.json()) as { method: string; url: string };
    expect(seen).toMatchObject({ method: "GET", url: "/api/products?q=lap" });
  });

  it("never opens on 4xx answers", async () => {
    server = await startTestUpstream(statusAnswer(404));
    const metrics = createMetrics("gateway");
    upstream = createUpstream("inventory", settings(server.url), metrics);
    for (let i = 0; i < 10; i++) expect((await forwarded(upstream, request())).status).toBe(404);
    expect(await metrics.registry.getSingleMetricAsString("circuit_breaker_state")).toMatch(
      /circuit_breaker_state\{breaker="inventory",service="gateway"\} 0/,
    );
  });

  it("returns upstream 5xx unchanged, counts them, and then fails fast with 503 and Retry-After", async () => {
    server = await startTestUpstream(statusAnswer(500));
    const metrics = createMetrics("gateway");
    upstream = createUpstream("order", settings(server.url, { resetTimeoutMs: 5000 }), metrics);
    for (let i = 0; i < 3; i++) {
      const response = await forwarded(upstream, request());
      expect(response.status).toBe(500);
      expect(response.headers.get("x-from")).toBe("upstream");
      expect(await response.json()).toEqual({ status: 500, detail: "upstream said 500" });
    }
    const calls = server.seen.length;
    const open = await failureOf(upstream.forward(request()));
    expect(open.kind).toBe("unavailable");
    expect(open.message).toMatch(/order service .*circuit open/);
    expect(open.retryAfterSeconds).toBe(5);
    expect(server.seen.length).toBe(calls); // failing fast: the upstream was not called
    expect(await metrics.registry.getSingleMetricAsString("circuit_breaker_state")).toMatch(/\} 2/);
  });

  it("maps a refused connection to 503", async () => {
    server = await startTestUpstream();
    await server.stop();
    upstream = createUpstream("payment", settings(server.url));
    const error = await failureOf(upstream.forward(request()));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toBe("the payment service cannot be reached");
  });

  it("maps a slow answer to 504 at the configured timeout", async () => {
    server = await startTestUpstream((_, response) => {
      setTimeout(() => response.end("late"), 1000);
    });
    upstream = createUpstream("payment", settings(server.url, { timeoutMs: 100 }));
    const started = Date.now();
    const error = await failureOf(upstream.forward(request()));
    expect(error.kind).toBe("timeout");
    expect(error.message).toBe("the payment service did not answer within 100 ms");
    expect(Date.now() - started).toBeLessThan(800);
  });

  it("goes half-open after the reset timeout and closes on a successful trial", async () => {
    server = await startTestUpstream();
    const metrics = createMetrics("gateway");
    upstream = createUpstream("shipping", settings(server.url, { resetTimeoutMs: 300 }), metrics);
    await server.stop();
    for (let i = 0; i < 3; i++) await failureOf(upstream.forward(request()));
    expect((await failureOf(upstream.forward(request()))).message).toMatch(/circuit open/);

    await server.start();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await metrics.registry.getSingleMetricAsString("circuit_breaker_state")).toMatch(/\} 1/);
    expect((await forwarded(upstream, request())).status).toBe(200);
    expect((await forwarded(upstream, request())).status).toBe(200);
    expect(await metrics.registry.getSingleMetricAsString("circuit_breaker_state")).toMatch(/\} 0/);
  });

  it("drops the answer's hop-by-hop headers and keeps repeated ones; a 204 has no body", async () => {
    server = await startTestUpstream((_, response) => {
      response.writeHead(200, [
        ["content-type", "application/json"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
        ["keep-alive", "timeout=5"],
        ["connection", "x-hop"],
        ["x-hop", "1"],
      ]);
      response.end("{}");
    });
    upstream = createUpstream("inventory", settings(server.url));
    const response = await forwarded(upstream, request());
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    for (const name of ["keep-alive", "connection", "x-hop"])
      expect(response.headers.has(name), name).toBe(false);
    expect(await response.json()).toEqual({});

    server.answer((_, res) => res.writeHead(204).end());
    const empty = await forwarded(upstream, request());
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it("stops the call when the client goes away first, without counting it against the function", async () => {
    let cutOff = false;
    server = await startTestUpstream((_, response) => {
      response.on("close", () => (cutOff = !response.writableFinished));
      setTimeout(() => response.end("late"), 1000);
    });
    const metrics = createMetrics("gateway");
    upstream = createUpstream("order", settings(server.url, { volumeThreshold: 1 }), metrics);
    const client = new EventEmitter();
    const started = Date.now();
    const pending = forwarded(upstream, { ...request(), caller: client });
    setTimeout(() => client.emit("close"), 50);
    expect((await pending).status).toBe(499);
    expect(Date.now() - started).toBeLessThan(800);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cutOff).toBe(true);
    expect(await metrics.registry.getSingleMetricAsString("circuit_breaker_state")).toMatch(/\} 0/);
  });

  it("tries a GET once more when the function closed the kept-alive connection it reused, never a POST", async () => {
    let calls = 0;
    server = await startTestUpstream((request, response) => {
      calls += 1;
      // The second request arrives on the first one's connection: the function drops it unanswered.
      if (calls === 2 || calls === 4) response.socket?.destroy();
      else response.end(JSON.stringify(request));
    });
    upstream = createUpstream("inventory", settings(server.url));
    expect((await forwarded(upstream, request())).status).toBe(200);
    expect((await forwarded(upstream, request())).status).toBe(200);
    expect(calls).toBe(3);

    const post = { ...request("/api/products"), method: "POST", body: new TextEncoder().encode("{}") };
    const error = await failureOf(upstream.forward(post));
    expect(error.kind).toBe("unavailable");
    expect(calls).toBe(4);
  });

  it("answers 502 problem+json for an answer over the limit, declared or streamed, reading no more of it", async () => {
    const limit = 64 * 1024;
    const chunk = Buffer.alloc(16 * 1024, "a");
    const flooded: { sent: number; finished: boolean }[] = [];
    server = await startTestUpstream((request, response) => {
      if (request.url === "/declared") {
        response.writeHead(200, { "content-type": "application/json", "content-length": limit + 1 });
        return void response.end("x".repeat(limit + 1));
      }
      if (request.url === "/exact") return void response.end("x".repeat(limit));
      // No length, and far more than the gateway could hold: written as fast as it is taken.
      response.writeHead(200, { "content-type": "application/json" });
      let sent = 0;
      response.on("close", () => flooded.push({ sent, finished: response.writableFinished }));
      const more = (): void => {
        while (!response.destroyed && sent < 256 * 1024 * 1024) {
          sent += chunk.byteLength;
          if (!response.write(chunk)) return void response.once("drain", more);
        }
        response.end();
      };
      more();
    });
    const metrics = createMetrics("gateway");
    upstream = createUpstream(
      "order",
      settings(server.url, { maxAnswerBytes: limit, volumeThreshold: 1 }),
      metrics,
    );

    for (const path of ["/declared", "/streamed?page=2", "/streamed"]) {
      const response = await forwarded(upstream, request(path));
      expect(response.status, path).toBe(502);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.json()).toMatchObject({
        status: 502,
        title: "Bad Gateway",
        detail: `the order service's answer is larger than the ${limit} bytes the gateway passes on`,
        instance: path.replace(/\?.*/, ""),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(flooded).toHaveLength(2);
    for (const { sent, finished } of flooded) {
      expect(finished).toBe(false); // the gateway hung up on it
      expect(sent).toBeLessThan(32 * 1024 * 1024); // the limit plus what the sockets' buffers took
    }
    // One answer too long says nothing about the function's health: its breaker stays closed.
    expect(await metrics.registry.getSingleMetricAsString("circuit_breaker_state")).toMatch(/\} 0/);
    const exact = await forwarded(upstream, request("/exact"));
    expect(exact.status).toBe(200);
    expect((await exact.arrayBuffer()).byteLength).toBe(limit);
  });
});
