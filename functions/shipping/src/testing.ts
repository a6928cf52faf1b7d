import { createTestKit, withApp, type AppTestKit } from "@bazaar/shared/testing";
import { createApp } from "./app";
import { migrationsFolder, schema, type ShippingSchema } from "./db";
import type { SchedulingSettings } from "./deps";

export type TestShipping = AppTestKit<ShippingSchema>;

/** For unit tests only: the shipping app on a temporary libSQL file, with signed tokens and a clock the test chooses. */
export async function createTestShipping(
  scheduling: Partial<SchedulingSettings> = {},
): Promise<TestShipping> {
  const kit = await createTestKit({ service: "shipping", schema, migrationsFolder });
  return withApp(
    kit,
    createApp({ ...kit, scheduling: { businessDays: 3, clock: () => new Date(), ...scheduling } }),
  );
}
