import { z } from "zod";
import { baseConfigSchema, jwksConfigSchema } from "@bazaar/shared/config";

export const deadLettersConfigSchema = baseConfigSchema.extend(jwksConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(5007),
  K_SERVICE: z.string().min(1).default("dead-letters"),
  /** A dead letter is the whole event plus the failing subscriber's answer: allow more than a request body. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Milliseconds a replay waits for the target before it counts as failed. */
  REPLAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
});
export type DeadLettersConfig = z.infer<typeof deadLettersConfigSchema>;
