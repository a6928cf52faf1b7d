export { backoffMs, isRetryable } from "./backoff";
export { createBroker, type Broker, type BrokerOptions } from "./broker";
export { BROKER_DEV_PORT, brokerConfigSchema, defaultTriggersDir, type BrokerConfig } from "./config";
export { createDispatcher, type DeliveryResult, type Dispatcher, type DispatcherDeps } from "./dispatcher";
export { parseDuration } from "./duration";
export { createEmbeddedTransport, type EmbeddedTransportOptions } from "./embedded";
export { createIngress } from "./ingress";
export { matches } from "./matching";
export { logFieldsOf, type BrokerEvent } from "./message";
export { namesOf, type Names } from "./rabbitmq/naming";
export { declareTopology, deleteTopology, type QueueType } from "./rabbitmq/topology";
export { createRabbitTransport, type RabbitTransportOptions } from "./rabbitmq/transport";
export { createBrokerMetrics, type BrokerMetrics, type DeliveryOutcome } from "./metrics";
export type { Transport, TransportDeps, TransportFactory } from "./transport";
export {
  loadTriggers,
  parseTriggers,
  PARALLELISM_ANNOTATION,
  TriggerError,
  type BackoffPolicy,
  type Delivery,
  type Destination,
  type LoadOptions,
  type Trigger,
} from "./triggers";
