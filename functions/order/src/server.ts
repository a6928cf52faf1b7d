import { verifierFromConfig } from "@bazaar/shared/auth";
import { loadConfig, serviceUrl } from "@bazaar/shared/config";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp, orderSweep } from "./app";
import { createCatalogClient } from "./clients/catalog";
import { orderConfigSchema } from "./config";
import { migrationsFolder, schema } from "./db";
import { createOrderMetrics, registerOrderStatusMetrics } from "./domain/metrics";

const config = loadConfig(orderConfigSchema);

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: ({ http, database, outbox, eventKeys, metrics, schedule }) => {
    const orderMetrics = createOrderMetrics(metrics.registry);
    registerOrderStatusMetrics(metrics.registry, database);
    const deps = {
      http,
      database,
      outbox,
      eventKeys,
      verify: verifierFromConfig(config),
      catalog: createCatalogClient({
        baseUrl: serviceUrl(config, "inventory"),
        timeoutMs: config.CATALOG_TIMEOUT_MS,
        metrics,
      }),
      settings: {
        paymentTimeoutSeconds: config.ORDER_PAYMENT_TIMEOUT_SECONDS,
        maxItems: config.ORDER_MAX_ITEMS,
      },
    };
    schedule({ job: orderSweep(deps, orderMetrics), intervalMs: config.ORDER_SWEEP_INTERVAL_MS });
    return createApp(deps, orderMetrics);
  },
});
