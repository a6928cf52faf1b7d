import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * CORS for browser storefronts on other origins. Tokens travel as bearer headers, not cookies, so
 * credentials stay off; the client may read the headers that tell it when to retry and how to trace a call.
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes("*") ? "*" : [...origins],
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["authorization", "content-type", "idempotency-key", "x-correlation-id", "traceparent"],
    exposeHeaders: [
      "location",
      "retry-after",
      "x-correlation-id",
      "x-request-id",
      "ratelimit-limit",
      "ratelimit-remaining",
      "ratelimit-reset",
      "ratelimit-policy",
    ],
    maxAge: 600,
  });
}
