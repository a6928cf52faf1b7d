import { randomUUID } from "node:crypto";
import { verifierFromConfig } from "@bazaar/shared/auth";
import { loadConfig, serviceUrl } from "@bazaar/shared/config";
import { nextTraceparent } from "@bazaar/shared/http";
import { startFunction } from "@bazaar/shared/runtime";
import { createApp } from "./app";
import { createCatalogClient } from "./clients/catalog";
import { orderConfigSchema } from "./config";
import { migrationsFolder, schema } from "./db";
import { createOrderMetrics, registerOrderStatusMetrics } from "./domain/metrics";
import { sweepStuckPayments } from "./domain/sweep";

const config = loadConfig(orderConfigSchema);
let sweepTimer: NodeJS.Timeout | undefined;

await startFunction({
  config,
  schema,
  migrationsFolder,
  createApp: ({ http, database, outbox, eventKeys, metrics, logger }) => {
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
    if (config.ORDER_SWEEP_INTERVAL_MS > 0) {
      sweepTimer = setInterval(() => {
        const trace = { correlationId: randomUUID(), traceparent: nextTraceparent(undefined) };
        sweepStuckPayments(
          { database, outbox, metrics: orderMetrics },
          config.ORDER_PAYMENT_TIMEOUT_SECONDS,
          trace,
        )
          .then(
            (ids) =>
              ids.length > 0 && logger.warn({ orders: ids }, "cancelled orders whose payment timed out"),
          )
          .catch((error: unknown) => logger.error({ err: error }, "payment sweep failed"));
      }, config.ORDER_SWEEP_INTERVAL_MS);
      sweepTimer.unref();
    }
    return createApp(deps, orderMetrics);
  },
  onShutdown: () => clearInterval(sweepTimer),
});
