import type { SigningKey } from "@bazaar/shared/auth";
import type { Database } from "@bazaar/shared/db";
import type { Outbox } from "@bazaar/shared/events";
import type { HttpDeps } from "@bazaar/shared/http";
import type { CustomerSchema } from "./db";

export interface CustomerSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** How long after its rotation a refresh token presented again gets its successor rather than a revocation. */
  refreshReuseGraceSeconds: number;
  scryptCost: number;
  loginMaxFailures: number;
  loginMaxFailuresPerAccount: number;
  loginFailureWindowSeconds: number;
  /** Proxies whose X-Forwarded-For names a login's client address: the gateway and those between. */
  trustedProxies: readonly string[];
}

/** Everything the customer app needs, opened by server.ts (or by a test). */
export interface CustomerDeps {
  http: HttpDeps;
  database: Database<CustomerSchema>;
  outbox: Outbox<CustomerSchema>;
  signingKey: SigningKey;
  settings: CustomerSettings;
}
