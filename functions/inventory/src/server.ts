import { verifierFromConfig } from "@bazaar/shared/auth";
import { loadConfig } from "@bazaar/shared/config";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp } from "./app";
import { inventoryConfigSchema } from "./config";
import { migrationsFolder, schema } from "./db";
import { ensureDemoCatalog } from "./domain/demo-catalog";
import { registerInventoryMetrics } from "./metrics";

const config = loadConfig(inventoryConfigSchema);
const verify = verifierFromConfig(config);

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: async ({ http, database, outbox, eventKeys, logger, metrics }) => {
    if (config.SEED_DEMO_CATALOG) await ensureDemoCatalog(database, logger);
    registerInventoryMetrics(metrics.registry, database);
    return createApp({ http, database, outbox, eventKeys, verify });
  },
});
