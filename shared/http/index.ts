export { createHttpApp } from "./app";
export { AnswerHeaders } from "./answer-headers";
export {
  CallerGone,
  CallTimeout,
  createOriginPool,
  HOP_BY_HOP,
  send,
  type Answer,
  type OriginPool,
  type OriginPoolSettings,
  type OutboundRequest,
  type RelayedAnswer,
  type SendOptions,
} from "./client";
export { endCallSpan, startCallSpan, type CallSpanSpec } from "./call-span";
export { AnswerTooLarge, readWholeBody } from "./whole-body";
export {
  clientOf,
  isAddressOrCidr,
  resolveClient,
  trustedProxies,
  trustedProxyList,
  type Client,
} from "./client-address";
export type { AppEnv, AppVariables, HttpDeps, Principal, Role } from "./context";
export {
  PROBLEM_CONTENT_TYPE,
  problem,
  problemAnswer,
  problemType,
  toProblemResponse,
  type Problem,
} from "./problem";
export { createMetricsApp, serveMetrics } from "./metrics-endpoint";
export { serve, type ServeOptions } from "./serve";
export { correlationIdFrom, nextTraceparent, traceIdOf, traceOf } from "./tracing";
export { assertJsonMediaType, parseOrThrow, requireJson, validate } from "./validate";
export { rawRequestOf, type RawRequest } from "./raw-request";
