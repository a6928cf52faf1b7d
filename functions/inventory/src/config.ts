import * as z from "zod";
import { baseConfigSchema, jwksConfigSchema } from "@bazaar/shared/config";

export const inventoryConfigSchema = baseConfigSchema.extend(jwksConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(5002),
  K_SERVICE: z.string().min(1).default("inventory"),
  /** Seed the original's demo catalog into a fresh database (turn off for a real shop). */
  SEED_DEMO_CATALOG: z.stringbool().default(true),
});
export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;
