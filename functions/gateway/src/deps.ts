import type { TokenVerifier } from "@bazaar/shared/auth";
import type { HttpDeps } from "@bazaar/shared/http";
import type { RateLimitPolicies, RateLimitStore } from "./edge/rate-limit";
import type { Upstreams } from "./proxy/upstream";
import type { WebDeps } from "./web";

/** Everything the gateway app needs, made by server.ts (or by a test). The gateway has no database. */
export interface GatewayDeps {
  http: HttpDeps;
  /** Checks a bearer token against the customer function's public keys. */
  verify: TokenVerifier;
  upstreams: Upstreams;
  rateLimits: RateLimitPolicies;
  /** Where the rate-limit counters live; default this process's memory (one gateway replica only). */
  rateLimitStore?: RateLimitStore;
  /** Browser origins allowed by CORS; empty: none. */
  corsOrigins: readonly string[];
  /** Proxies (addresses or CIDRs) whose X-Forwarded-For is believed; empty: none. */
  trustedProxies: readonly string[];
  /** Milliseconds anonymous catalog reads are answered from the edge cache; 0: never. */
  catalogCacheMs: number;
  /** The storefront and back office pages (/shop, /admin); none without. */
  web?: WebDeps;
}
