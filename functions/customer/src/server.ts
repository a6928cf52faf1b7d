import { loadSigningKey } from "@bazaar/shared/auth";
import { loadConfig } from "@bazaar/shared/config";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp } from "./app";
import { customerConfigSchema } from "./config";
import { migrationsFolder, schema } from "./db";
import { ensureAdmin } from "./domain/admin";

const config = loadConfig(customerConfigSchema);
const signingKey = await loadSigningKey({ privateJwk: config.JWT_PRIVATE_JWK, dataDir: config.DATA_DIR });
const settings = {
  issuer: config.JWT_ISSUER,
  audience: config.JWT_AUDIENCE,
  accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  refreshReuseGraceSeconds: config.REFRESH_TOKEN_REUSE_GRACE_SECONDS,
  scryptCost: config.PASSWORD_SCRYPT_COST,
  loginMaxFailures: config.LOGIN_MAX_FAILURES,
  loginMaxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
  loginFailureWindowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
  trustedProxies: config.CUSTOMER_TRUSTED_PROXIES,
};

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: async ({ http, database, outbox, logger }) => {
    await ensureAdmin(database, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
      scryptCost: settings.scryptCost,
      logger,
    });
    return createApp({ http, database, outbox, signingKey, settings });
  },
});
