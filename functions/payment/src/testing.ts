import { createTestKit, withApp, type AppTestKit } from "@bazaar/shared/testing";
import { createApp } from "./app";
import { migrationsFolder, schema, type PaymentSchema } from "./db";
import { createSimulatedProcessor, type ProcessorSettings } from "./domain/processor";
import { createSettler, type Settler } from "./domain/settlement";

export interface TestPayment extends AppTestKit<PaymentSchema> {
  settler: Settler;
  close(): Promise<void>;
}

/** For unit tests only: the payment app on a temporary libSQL file, signed tokens and a fast processor. */
export async function createTestPayment(processor: Partial<ProcessorSettings> = {}): Promise<TestPayment> {
  const kit = await createTestKit({ service: "payment", schema, migrationsFolder });
  const settler = createSettler({
    database: kit.database,
    outbox: kit.outbox,
    processor: createSimulatedProcessor({ slowMs: 50, limitCents: 1_000_000, ...processor }),
    logger: kit.http.logger,
    metrics: kit.metrics,
  });
  return {
    ...withApp(kit, createApp({ ...kit, settler })),
    settler,
    close: async () => {
      await settler.stop();
      kit.close();
    },
  };
}
