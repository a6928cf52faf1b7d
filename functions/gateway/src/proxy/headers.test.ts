import { describe, expect, it } from "vitest";
import { isForgeableIdentityHeader, upstreamRequestHeaders } from "./headers";

const context = {
  forwardedFor: "203.0.113.7",
  forwardedProto: "http",
  forwardedHost: "shop.example",
  correlationId: "corr-1",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
};

describe("upstream request headers", () => {
  const incoming = new Headers({
    authorization: "Bearer abc.def.ghi",
    "content-type": "application/json",
    "idempotency-key": "k-1",
    accept: "application/json",
    connection: "keep-alive, x-secret-hop",
    "x-secret-hop": "1",
    "keep-alive": "timeout=5",
    "transfer-encoding": "chunked",
    upgrade: "websocket",
    "proxy-authorization": "Basic eA==",
    te: "trailers",
    host: "shop.example",
    "content-length": "12",
    "x-user-id": "1",
    "x-user-role": "admin",
    "x-user-email": "admin@shop",
    "x-forwarded-user": "admin",
    "x-forwarded-for": "6.6.6.6",
    "x-forwarded-proto": "https",
    "x-auth-request-user": "admin",
    "x-real-ip": "6.6.6.6",
    forwarded: "for=6.6.6.6",
    "remote-user": "admin",
    "x-correlation-id": "from-client",
    traceparent: "00-11111111111111111111111111111111-2222222222222222-01",
  });
  const headers = upstreamRequestHeaders(incoming, context);

  it("keeps what the function needs, Authorization unchanged", () => {
    expect(headers["authorization"]).toBe("Bearer abc.def.ghi");
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["idempotency-key"]).toBe("k-1");
    expect(headers["accept"]).toBe("application/json");
  });

  it("drops hop-by-hop headers and those the Connection header names", () => {
    for (const name of [
      "connection",
      "keep-alive",
      "transfer-encoding",
      "upgrade",
      "proxy-authorization",
      "te",
    ])
      expect(headers[name], name).toBeUndefined();
    expect(headers["x-secret-hop"]).toBeUndefined();
    expect(headers["host"]).toBeUndefined();
    expect(headers["content-length"]).toBeUndefined();
  });

  it("drops every identity header a client could forge", () => {
    for (const name of [
      "x-user-id",
      "x-user-role",
      "x-user-email",
      "x-forwarded-user",
      "x-auth-request-user",
      "x-real-ip",
      "forwarded",
      "remote-user",
    ])
      expect(headers[name], name).toBeUndefined();
  });

  it("sets forwarding and tracing headers from the gateway, not from the client", () => {
    expect(headers["x-forwarded-for"]).toBe("203.0.113.7");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe("shop.example");
    expect(headers["x-correlation-id"]).toBe("corr-1");
    expect(headers["traceparent"]).toBe(context.traceparent);
  });

  it("recognises identity headers by name, in any case", () => {
    expect(isForgeableIdentityHeader("X-User-Id")).toBe(true);
    expect(isForgeableIdentityHeader("X-Authenticated-User")).toBe(true);
    expect(isForgeableIdentityHeader("x-consumer-username")).toBe(true);
    expect(isForgeableIdentityHeader("authorization")).toBe(false);
    expect(isForgeableIdentityHeader("idempotency-key")).toBe(false);
  });
});
