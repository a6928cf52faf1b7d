import { createTestKit, withApp, type AppTestKit } from "@bazaar/shared/testing";
import { createApp } from "./app";
import { createCatalogClient } from "./clients/catalog";
import { migrationsFolder, schema, type OrderSchema } from "./db";

/**
 * The order function's app on a fresh database, for tests that read, cancel or deliver events: its catalog
 * is a port nothing listens on, so a placement that gets past validation answers 503.
 */
export async function orderAppWithoutCatalog(): Promise<AppTestKit<OrderSchema>> {
  const kit = await createTestKit({ service: "order", schema, migrationsFolder });
  const catalog = createCatalogClient({
    baseUrl: "http://127.0.0.1:9",
    timeoutMs: 100,
    metrics: kit.metrics,
  });
  return withApp(kit, createApp({ ...kit, catalog, settings: { paymentTimeoutSeconds: 900, maxItems: 50 } }));
}
