import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import * as z from "zod";
import { baseConfigSchema, serviceUrlsSchema, tracingConfigSchema } from "@bazaar/shared/config";

/** The broker's port in dev (npm start, compose): beside the functions' ports in shared/config/services.ts. */
export const BROKER_DEV_PORT = 5010;

/**
 * knative/triggers of this checkout or image: the same manifests the cluster applies. Looked for upwards, as
 * this file runs from broker/ under npm start and from dist/broker/ as a bundle (the image's /app/dist/broker).
 */
export const defaultTriggersDir = findUpwards(import.meta.dirname, "knative/triggers");

function findUpwards(from: string, wanted: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, wanted))) return join(dir, wanted);
    if (dirname(dir) === dir) return resolve(from, "..", wanted); // not found: the error will name this
  }
}

/** The broker has no outbox: from the base schema it takes the process settings and its queues' database. */
export const brokerConfigSchema = baseConfigSchema
  .pick({
    HOST: true,
    DATA_DIR: true,
    DATABASE_URL: true,
    DATABASE_AUTH_TOKEN: true,
    K_REVISION: true,
    LOG_LEVEL: true,
    BODY_LIMIT_BYTES: true,
    SHUTDOWN_GRACE_SECONDS: true,
  })
  .extend(serviceUrlsSchema.shape)
  .extend(tracingConfigSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(1).max(65535).default(BROKER_DEV_PORT),
    K_SERVICE: z.string().min(1).default("broker"),
    BROKER_TRIGGERS_DIR: z.string().min(1).default(defaultTriggersDir),
    /** Replaces every Trigger's backoffDelay, e.g. 20 in tests so the last retry comes within a second. */
    BROKER_BACKOFF_DELAY_MS: z.coerce.number().int().min(0).optional(),
    /** Per-request delivery timeout for Triggers whose delivery sets none (eventing-rabbitmq has none). */
    BROKER_DELIVERY_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    /** The Broker this process is: its Triggers must name it (spec.broker), its RabbitMQ objects carry it. */
    BROKER_NAME: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label, like the Broker's metadata.name")
      .default("default"),
    /** Set: events wait in RabbitMQ (durable queues, see rabbitmq/). Unset: in a libSQL file (embedded.ts). */
    AMQP_URL: z.preprocess(
      (value) => (value === "" ? undefined : value), // AMQP_URL= (as compose writes an unset variable) is unset
      z
        .string()
        .regex(
          /^amqps?:\/\/[^/]/,
          "must be an amqp:// or amqps:// URL, like amqp://guest:guest@127.0.0.1:5672",
        )
        .optional(),
    ),
    /** Quorum, as the cluster's RabbitmqBrokerConfig; classic for a RabbitMQ without quorum queues. */
    AMQP_QUEUE_TYPE: z.enum(["quorum", "classic"]).default("quorum"),
  });
export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
