import * as z from "zod";
import { baseConfigSchema, jwksConfigSchema } from "@bazaar/shared/config";

export const shippingConfigSchema = baseConfigSchema.extend(jwksConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(5005),
  K_SERVICE: z.string().min(1).default("shipping"),
  /** Business days (Monday to Friday) from confirmation to the estimated delivery. */
  SHIPPING_BUSINESS_DAYS: z.coerce.number().int().min(1).max(30).default(3),
});
export type ShippingConfig = z.infer<typeof shippingConfigSchema>;
