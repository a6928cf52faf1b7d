import { verifierFromConfig } from "@bazaar/shared/auth";
import { loadConfig } from "@bazaar/shared/config";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp } from "./app";
import { shippingConfigSchema } from "./config";
import { migrationsFolder, schema } from "./db";

const config = loadConfig(shippingConfigSchema);
const verify = verifierFromConfig(config);

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: ({ http, database, outbox, eventKeys }) =>
    createApp({
      http,
      database,
      outbox,
      eventKeys,
      verify,
      scheduling: { businessDays: config.SHIPPING_BUSINESS_DAYS, clock: () => new Date() },
    }),
});
