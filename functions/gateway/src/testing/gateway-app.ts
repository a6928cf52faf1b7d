import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import { loadSigningKey, localKeys, signAccessToken, type SigningKey } from "@bazaar/shared/auth";
import type { AppEnv, Role } from "@bazaar/shared/http";
import { createLogger, createMetrics, type Metrics } from "@bazaar/shared/observability";
import { createApp } from "../app";
import type { GatewayDeps } from "../deps";
import type { RateLimitPolicies } from "../edge/rate-limit";
import { createEdgeVerifier } from "../edge/verifier";
import { createUpstreams, type Upstreams, type UpstreamSettings } from "../proxy/upstream";

export const SETTINGS = { issuer: "bazaar", audience: "bazaar" };

export const generousLimits: RateLimitPolicies = {
  auth: { limit: 1000, windowSeconds: 60 },
  "order-placement": { limit: 1000, windowSeconds: 60 },
  read: { limit: 1000, windowSeconds: 60 },
  write: { limit: 1000, windowSeconds: 60 },
};

export interface TestGateway {
  app: Hono<AppEnv>;
  metrics: Metrics;
  key: SigningKey;
  upstreams: Upstreams;
  tokenFor(role: Role, id?: number): Promise<string>;
  close(): void;
}

/** The gateway app as server.ts builds it, with every upstream at `upstreamUrl` and tokens from a local key. */
export async function testGateway(
  upstreamUrl: string,
  overrides: Partial<Omit<GatewayDeps, "http" | "upstreams">> & {
    bodyLimitBytes?: number;
    upstream?: Partial<UpstreamSettings>;
  } = {},
): Promise<TestGateway> {
  const key = await loadSigningKey({ dataDir: mkdtempSync(join(tmpdir(), "gateway-test-")) });
  const metrics = createMetrics("gateway");
  const upstreams = createUpstreams(
    () => ({
      baseUrl: upstreamUrl,
      timeoutMs: 2000,
      maxAnswerBytes: 1024 * 1024,
      resetTimeoutMs: 1000,
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      ...overrides.upstream,
    }),
    metrics,
  );
  const app = createApp({
    http: {
      service: "gateway",
      logger: createLogger("gateway", "silent"),
      metrics,
      bodyLimitBytes: overrides.bodyLimitBytes ?? 64 * 1024,
    },
    verify: overrides.verify ?? createEdgeVerifier(localKeys(key), SETTINGS),
    upstreams,
    rateLimits: overrides.rateLimits ?? generousLimits,
    corsOrigins: overrides.corsOrigins ?? [],
    trustedProxies: overrides.trustedProxies ?? [],
    // Off unless a test is about it: other tests look at what reached the function.
    catalogCacheMs: overrides.catalogCacheMs ?? 0,
    ...(overrides.web && { web: overrides.web }),
  });
  const ids: Record<Role, number> = { customer: 7, staff: 8, admin: 9 };
  return {
    app,
    metrics,
    key,
    upstreams,
    tokenFor: (role, id = ids[role]) =>
      signAccessToken(key, { id, role, email: `${role}@test.local` }, { ...SETTINGS, ttlSeconds: 300 }),
    close: () => Object.values(upstreams).forEach((upstream) => upstream.shutdown()),
  };
}

/** A socket peer for app.request(): what @hono/node-server hands the app as its env. */
export const fromAddress = (address: string): { incoming: { socket: { remoteAddress: string } } } => ({
  incoming: { socket: { remoteAddress: address } },
});
