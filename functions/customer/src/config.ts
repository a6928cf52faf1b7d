import * as z from "zod";
import { baseConfigSchema, jwksConfigSchema } from "@bazaar/shared/config";
import { trustedProxyList } from "@bazaar/shared/http";

export const customerConfigSchema = baseConfigSchema.extend(jwksConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(5001),
  K_SERVICE: z.string().min(1).default("customer"),
  /** Ed25519 private JWK (from a Secret in a cluster). Unset: generated once under DATA_DIR/keys. */
  JWT_PRIVATE_JWK: z.string().optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(30 * 24 * 3600),
  /**
   * A rotated refresh token presented again within this many seconds gets the successor it was rotated into
   * (parallel requests racing through different gateway replicas); later, it is reuse and ends every session
   * of the account. Short on purpose (see domain/sessions.ts); 0 turns the grace off.
   */
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(15),
  ADMIN_EMAIL: z.email().default("admin@bazaar.local"),
  /** Unset: a password is generated and printed once, when the admin is first created. */
  ADMIN_PASSWORD: z.string().min(12).optional(),
  /** scrypt cost (a power of two). 2^15 takes about 50-100 ms per hash on one core. */
  PASSWORD_SCRYPT_COST: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1 << 20)
    .refine((n) => (n & (n - 1)) === 0, "must be a power of two")
    .default(1 << 15),
  /** Failed logins for one account from one client address within the window, then 429 for that address. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  /**
   * Failed logins for one account from all addresses within the window, then 429 for everyone: high, so
   * that other people's guesses do not lock the owner out, yet a bound on a guess spread over many addresses.
   */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(50),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  /**
   * The gateway and any proxy between it and this function (CIDRs or addresses, comma-separated), whose
   * X-Forwarded-For names the client a login is throttled by. Empty: the socket's peer is the client.
   */
  CUSTOMER_TRUSTED_PROXIES: trustedProxyList,
});
export type CustomerConfig = z.infer<typeof customerConfigSchema>;
