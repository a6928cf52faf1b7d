/**
 * Test support only: imported by *.test.ts and functions' testing.ts, never by production code.
 */
export {
  binaryEvent,
  eventKeysIn,
  signedEvent,
  signedHeaders,
  type EventOptions,
  type TestEventKeys,
} from "./events";
export {
  createTestKit,
  withApp,
  type AppTestKit,
  type Emitted,
  type Replica,
  type Requestable,
  type RequestOptions,
  type TestKit,
  type TestKitOptions,
} from "./kit";
export { openTestDatabase, type TestDatabase } from "./database";
export { startSink, type Captured, type Sink, type SinkOptions } from "./sink";
export { readIncoming, type IncomingRequest } from "./incoming";
