import * as z from "zod";
import { baseConfigSchema, jwksConfigSchema } from "@bazaar/shared/config";

export const notificationConfigSchema = baseConfigSchema.extend(jwksConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(5006),
  K_SERVICE: z.string().min(1).default("notification"),
});
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;
