import { verifierFromConfig } from "@bazaar/shared/auth";
import { loadConfig } from "@bazaar/shared/config";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp } from "./app";
import { notificationConfigSchema } from "./config";
import { migrationsFolder, schema } from "./db";

const config = loadConfig(notificationConfigSchema);
const verify = verifierFromConfig(config);

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: ({ http, database, outbox, eventKeys }) =>
    createApp({ http, database, outbox, eventKeys, verify }),
});
