export {
  eventCatalog,
  eventTypes,
  isEventType,
  sourceOf,
  type BazaarEvent,
  type EventData,
  type EventType,
} from "./catalog";
export { toBazaarEvent, toBinaryMessage, type OutgoingEvent } from "./encoding";
export { checkAttributes, readCloudEvent, toBinaryRequest, withExtensions, type WireEvent } from "./wire";
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
