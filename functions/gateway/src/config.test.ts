import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "@bazaar/shared/config";
import { gatewayConfigSchema, rateLimitPoliciesOf, timeoutVariableOf, upstreamSettingsOf } from "./config";

describe("gateway config", () => {
  it("has defaults that suit a real shop", () => {
    const config = parseConfig(gatewayConfigSchema, {});
    expect(config.PORT).toBe(8080);
    expect(config.GATEWAY_METRICS_PORT).toBe(9464);
    expect(config.CORS_ORIGINS).toEqual([]);
    expect(rateLimitPoliciesOf(config)).toEqual({
      auth: { limit: 10, windowSeconds: 60 },
      "order-placement": { limit: 50, windowSeconds: 60 },
      read: { limit: 600, windowSeconds: 60 },
      write: { limit: 120, windowSeconds: 60 },
    });
    expect(upstreamSettingsOf(config, "dead-letters")).toEqual({
      baseUrl: "http://127.0.0.1:5007",
      timeoutMs: 10_000,
      maxAnswerBytes: 4 * 1024 * 1024,
      resetTimeoutMs: 10_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
    });
  });

  it("reads URLs, per-upstream timeouts, lists and limits from the environment", () => {
    const config = parseConfig(gatewayConfigSchema, {
      ORDER_URL: "http://order.bazaar.svc.cluster.local",
      [timeoutVariableOf("payment")]: "2500",
      CORS_ORIGINS: "https://shop.example, https://admin.shop.example",
      GATEWAY_TRUSTED_PROXIES: "10.0.0.0/8,fd00::/8",
      RATE_LIMIT_ORDER_PLACEMENT: "3",
    });
    expect(timeoutVariableOf("dead-letters")).toBe("GATEWAY_TIMEOUT_MS_DEAD_LETTERS");
    expect(upstreamSettingsOf(config, "order").baseUrl).toBe("http://order.bazaar.svc.cluster.local");
    expect(upstreamSettingsOf(config, "payment").timeoutMs).toBe(2500);
    expect(upstreamSettingsOf(config, "order").timeoutMs).toBe(10_000);
    expect(config.CORS_ORIGINS).toEqual(["https://shop.example", "https://admin.shop.example"]);
    expect(config.GATEWAY_TRUSTED_PROXIES).toEqual(["10.0.0.0/8", "fd00::/8"]);
    expect(rateLimitPoliciesOf(config)["order-placement"].limit).toBe(3);
  });

  it("reads where the rate limits are shared: Redis or Valkey, or a libSQL database", () => {
    const config = parseConfig(gatewayConfigSchema, {
      RATE_LIMIT_REDIS_URL: "redis://rate-limits.bazaar.svc.cluster.local:6379",
      RATE_LIMIT_DATABASE_URL: "file:./data/rate-limits.db",
    });
    expect(config.RATE_LIMIT_REDIS_URL).toBe("redis://rate-limits.bazaar.svc.cluster.local:6379");
    expect(config.RATE_LIMIT_DATABASE_URL).toBe("file:./data/rate-limits.db");
    expect(parseConfig(gatewayConfigSchema, {}).RATE_LIMIT_REDIS_URL).toBeUndefined();
    expect(() =>
      parseConfig(gatewayConfigSchema, { RATE_LIMIT_REDIS_URL: "http://rate-limits:6379" }),
    ).toThrow(/RATE_LIMIT_REDIS_URL/);
  });

  it("stops on a bad value with one readable line", () => {
    expect(() => parseConfig(gatewayConfigSchema, { RATE_LIMIT_READ: "lots" })).toThrow(ConfigError);
    expect(() => parseConfig(gatewayConfigSchema, { GATEWAY_METRICS_PORT: "70000" })).toThrow(ConfigError);
    expect(() => parseConfig(gatewayConfigSchema, { GATEWAY_TRUSTED_PROXIES: "proxy.local" })).toThrow(
      /GATEWAY_TRUSTED_PROXIES: must be IP addresses or CIDRs/,
    );
  });
});
