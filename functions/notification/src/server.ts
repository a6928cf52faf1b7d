import { createTokenVerifier, remoteKeys } from "@bazaar/shared/auth";
import { loadConfig } from "@bazaar/shared/config";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp } from "./app";
import { notificationConfigSchema } from "./config";
import { migrationsFolder, schema } from "./db";

const config = loadConfig(notificationConfigSchema);
const verify = createTokenVerifier(remoteKeys(config.JWKS_URL), {
  issuer: config.JWT_ISSUER,
  audience: config.JWT_AUDIENCE,
});

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: ({ http, database, outbox }) => createApp({ http, database, outbox, verify }),
});
