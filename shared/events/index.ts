export {
  eventCatalog,
  eventTypes,
  isEventType,
  producerOf,
  producers,
  sourceOf,
  type Producer,
  type BazaarEvent,
  type EventData,
  type EventType,
} from "./catalog";
export { toBazaarEvent, toWireEvent, type OutboxRow } from "./encoding";
export {
  createEventKeyring,
  defaultEventKeysDir,
  generateEventKey,
  loadEventSigningKey,
  publishPublicKey,
  type EventKeyring,
  type EventSigningKey,
  type PublicEventJwk,
} from "./keys";
export { refusalOf, signEvent, SIGNATURE, SIGNATURE_KEY, type Refusal } from "./signature";
export { checkAttributes } from "./conformance";
export { readCloudEvent, toBinaryRequest, withExtensions, type WireEvent } from "./wire";
export { eventAttributes } from "./tracing";
export { createOutbox, type Emit, type Outbox, type TraceContext } from "./outbox";
export {
  createEventReceiver,
  type EventHandler,
  type EventHandlers,
  type HandlerContext,
  type HandlerOutcome,
  type ReceiverDeps,
} from "./receiver";
export { createRelay, type Relay, type RelayOptions } from "./relay";
export { outbox, processedEvents } from "./tables";
