import * as z from "zod";
import { baseConfigSchema, jwksConfigSchema, serviceUrlsSchema } from "@bazaar/shared/config";

export const orderConfigSchema = baseConfigSchema
  .extend(jwksConfigSchema.shape)
  .extend(serviceUrlsSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(1).max(65535).default(5003),
    K_SERVICE: z.string().min(1).default("order"),
    /** An order that waits longer than this for its payment is cancelled by the sweep. */
    ORDER_PAYMENT_TIMEOUT_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(15 * 60),
    /** How often the sweep runs in dev (a PingSource calls POST /tasks/sweep in a cluster); 0 disables. */
    ORDER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
    CATALOG_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
    ORDER_MAX_ITEMS: z.coerce.number().int().positive().max(500).default(50),
  });
export type OrderConfig = z.infer<typeof orderConfigSchema>;
