export { createLogger, type Logger } from "./logger";
export { createMetrics, type Metrics } from "./metrics";
export {
  detached,
  endSpan,
  failSpan,
  inSpan,
  linksToOtherTrace,
  spanContextOf,
  spanIdOf,
  SpanKind,
  startSpan,
  startTracing,
  traceparentOf,
  tracingOn,
  withSpan,
  type Attributes,
  type Span,
  type SpanSpec,
  type Tracing,
} from "./tracing";
