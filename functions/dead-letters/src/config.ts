import * as z from "zod";
import { baseConfigSchema, jwksConfigSchema, serviceUrlsSchema } from "@bazaar/shared/config";

/**
 * The functions that subscribe to events (knative/triggers): the only ones a dead letter is replayed to.
 * dead-letters is one of them (bazaar.customer.deleted on /accounts/events).
 */
const subscriberUrls = serviceUrlsSchema.pick({
  INVENTORY_URL: true,
  ORDER_URL: true,
  PAYMENT_URL: true,
  SHIPPING_URL: true,
  NOTIFICATION_URL: true,
  DEAD_LETTERS_URL: true,
});

export const deadLettersConfigSchema = baseConfigSchema
  .extend(jwksConfigSchema.shape)
  .extend(subscriberUrls.shape)
  .extend({
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

/** Where replays may go: each subscriber's URL, and the broker. */
export const replayTargetUrls = (config: DeadLettersConfig): string[] => [
  ...Object.keys(subscriberUrls.shape).map((key) => config[key as keyof typeof subscriberUrls.shape]),
  ...(config.K_SINK ? [config.K_SINK] : []),
];
