/**
 * An event-capture HTTP server that stands in for the broker (a function's K_SINK) or for a subscriber.
 * One implementation serves integration and unit tests alike; it lives in shared/testing.
 */
export { startSink, type Captured, type Sink, type SinkOptions } from "../../shared/testing";
