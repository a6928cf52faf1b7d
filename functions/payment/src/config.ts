import * as z from "zod";
import { baseConfigSchema, jwksConfigSchema } from "@bazaar/shared/config";

export const paymentConfigSchema = baseConfigSchema.extend(jwksConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(5004),
  K_SERVICE: z.string().min(1).default("payment"),
  /** How long the simulated processor takes to approve `tok_slow`. */
  PAYMENT_SLOW_MS: z.coerce.number().int().min(0).max(120_000).default(3000),
  /** Charges above this many cents are declined with amount_limit_exceeded. */
  PAYMENT_LIMIT_CENTS: z.coerce.number().int().positive().default(1_000_000),
  /** How often payments left pending (by a crash or a failed write) are charged again; 0 disables. */
  PAYMENT_SETTLE_INTERVAL_MS: z.coerce.number().int().min(0).default(5000),
});
export type PaymentConfig = z.infer<typeof paymentConfigSchema>;
