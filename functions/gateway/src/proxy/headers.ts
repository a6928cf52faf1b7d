import { HOP_BY_HOP } from "@bazaar/shared/http";

/**
 * Headers the gateway itself sets for the upstream (so a client's copy is dropped), or that the HTTP client
 * recomputes: host and length from the new request, encoding so the body passes through as bytes.
 */
const SET_BY_GATEWAY = new Set([
  "host",
  "content-length",
  "accept-encoding",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-port",
  "x-request-id",
  "x-correlation-id",
  "traceparent",
]);

/**
 * Headers some systems read as a proven identity or client address. Nothing in Bazaar trusts them (every
 * function verifies the bearer token), but a client must not be able to place them behind the edge at all.
 */
const FORGEABLE_IDENTITY =
  /^(x-(user|auth|remote-|principal|authenticated|consumer-|customer-id|role|email|jwt|forwarded-|real-ip|client-ip|original-|cluster-client-ip)|forwarded$|remote-user$|client-ip$|true-client-ip$)/;

export const isForgeableIdentityHeader = (name: string): boolean =>
  FORGEABLE_IDENTITY.test(name.toLowerCase());

/** What the upstream learns about this request from the gateway rather than from the client. */
export interface ForwardContext {
  forwardedFor: string;
  forwardedProto: string;
  /** The Host the client addressed (for links the upstream builds), if any. */
  forwardedHost: string | undefined;
  correlationId: string;
  traceparent: string;
}

/**
 * The headers sent upstream: the client's own (Authorization unchanged: functions verify the token
 * themselves) minus hop-by-hop, Connection-named and identity headers, plus the gateway's forwarding and
 * tracing headers.
 */
export function upstreamRequestHeaders(incoming: Headers, context: ForwardContext): Record<string, string> {
  const namedByConnection = new Set(
    (incoming.get("connection") ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  // No prototype: a client's header named __proto__ or constructor is just a header.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || namedByConnection.has(name) || SET_BY_GATEWAY.has(name)) continue;
    if (isForgeableIdentityHeader(name)) continue;
    headers[name] = value; // Headers iterates each name once, repeats already joined
  }
  headers["x-forwarded-for"] = context.forwardedFor;
  headers["x-forwarded-proto"] = context.forwardedProto;
  if (context.forwardedHost) headers["x-forwarded-host"] = context.forwardedHost;
  headers["x-correlation-id"] = context.correlationId;
  headers["traceparent"] = context.traceparent;
  return headers;
}
