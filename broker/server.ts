/**
 * The dev broker (`npm start` runs it as the "broker" service): Knative RabbitMQ broker semantics over the
 * Trigger manifests in knative/triggers. With AMQP_URL it keeps events in RabbitMQ (rabbitmq/transport.ts),
 * as compose runs it; without, in a libSQL file under DATA_DIR (embedded.ts), as `npm start` runs it.
 */
import { loadConfig, tracingSettingsOf } from "@bazaar/shared/config";
import { defaultDatabaseUrl } from "@bazaar/shared/db";
import { serve } from "@bazaar/shared/http";
import { createLogger, createMetrics, startTracing } from "@bazaar/shared/observability";
import { createBroker } from "./broker";
import { brokerConfigSchema } from "./config";
import { createEmbeddedTransport } from "./embedded";
import { createIngress } from "./ingress";
import { createRabbitTransport, redacted } from "./rabbitmq/transport";
import { loadTriggers, TriggerError, type Trigger } from "./triggers";

const config = loadConfig(brokerConfigSchema);
const logger = createLogger(config.K_SERVICE, config.LOG_LEVEL);
const tracing = await startTracing(tracingSettingsOf(config), logger);
const metrics = createMetrics(config.K_SERVICE);

let triggers: Trigger[];
try {
  triggers = loadTriggers(config.BROKER_TRIGGERS_DIR, {
    urls: config,
    broker: config.BROKER_NAME,
    backoffDelayMs: config.BROKER_BACKOFF_DELAY_MS,
  });
} catch (error) {
  if (!(error instanceof TriggerError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(78); // EX_CONFIG, as loadConfig does for a bad setting
}

const databaseUrl = config.DATABASE_URL ?? defaultDatabaseUrl(config.DATA_DIR, config.K_SERVICE);
const broker = await createBroker({
  triggers,
  logger,
  metrics,
  deliveryTimeoutMs: config.BROKER_DELIVERY_TIMEOUT_MS,
  transport: config.AMQP_URL
    ? createRabbitTransport({
        url: config.AMQP_URL,
        broker: config.BROKER_NAME,
        queueType: config.AMQP_QUEUE_TYPE,
      })
    : createEmbeddedTransport({ url: databaseUrl, authToken: config.DATABASE_AUTH_TOKEN }),
});
logger.info(
  {
    broker: config.BROKER_NAME,
    transport: config.AMQP_URL ? `RabbitMQ ${redacted(config.AMQP_URL)}` : `embedded, ${databaseUrl}`,
    dir: config.BROKER_TRIGGERS_DIR,
    triggers: triggers.map((t) => `${t.name} -> ${t.subscriber.url} (x${t.parallelism})`),
  },
  `routing by ${triggers.length} Triggers`,
);

let draining = false;
/** Everything, HTTP close and queue drain together, must end within the grace period (then comes SIGKILL). */
let drainDeadline = 0;
const app = createIngress({
  http: {
    service: config.K_SERVICE,
    logger,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    isReady: async () => !draining && broker.ready(),
  },
  broker,
});

await serve(app, {
  host: config.HOST,
  port: config.PORT,
  logger,
  graceSeconds: config.SHUTDOWN_GRACE_SECONDS,
  onDraining: () => {
    draining = true;
    drainDeadline = Date.now() + config.SHUTDOWN_GRACE_SECONDS * 1000 - 1000; // 1 s to log what is left
  },
  // The ingress no longer accepts; queued and in-flight deliveries get what is left of the grace period, and
  // what they do not finish stays in the transport for the next start (each transport says how much).
  onShutdown: async () => {
    const abandoned = await broker.close(Math.max(0, drainDeadline - Date.now()));
    if (abandoned > 0) logger.warn({ abandoned }, "shut down with undelivered events");
    else logger.info("drained: no accepted event was abandoned");
    await tracing.shutdown();
  },
});
