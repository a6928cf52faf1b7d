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
export { decodeEvent } from "./decode";
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
export {
  createOutbox,
  toWireEvent,
  type Emit,
  type Outbox,
  type OutboxRow,
  type TraceContext,
} from "./outbox";
export {
  createEventReceiver,
  type AfterCommitWork,
  type EventHandler,
  type EventHandlers,
  type HandlerContext,
  type HandlerOutcome,
  type ReceiptOutcome,
  type ReceiverDeps,
} from "./receiver";
export { createRelay, type Relay, type RelayOptions } from "./relay";
export { outbox, processedEvents } from "./tables";
