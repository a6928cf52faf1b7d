import { createTestKit, withApp, type AppTestKit } from "@bazaar/shared/testing";
import { createApp } from "./app";
import { migrationsFolder, schema, type InventorySchema } from "./db";

export type TestInventory = AppTestKit<InventorySchema>;

/** For unit tests only: the real app over a temporary libSQL file, with signed tokens. */
export async function createTestInventory(): Promise<TestInventory> {
  const kit = await createTestKit({ service: "inventory", schema, migrationsFolder });
  return withApp(kit, createApp(kit));
}
