import { randomFillSync, randomUUID } from "node:crypto";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CORRELATION_ID = /^[\w.:-]{1,128}$/;

/**
 * Random hex from a pool refilled 4 KiB at a time (as randomUUID does): one randomBytes call per id was
 * 3 % of a proxied request's CPU. Ids are not secrets, only unique.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;
function hex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString("hex", used - bytes, used);
}

/**
 * Continues the caller's trace with a new span id, or starts a new trace. The result is what this hop
 * sends onwards (HTTP headers and CloudEvent extensions alike).
 */
export function nextTraceparent(incoming: string | undefined | null): string {
  const match = incoming ? TRACEPARENT.exec(incoming.trim().toLowerCase()) : null;
  const traceId = match?.[1] && !/^0+$/.test(match[1]) ? match[1] : hex(16);
  const flags = match?.[3] ?? "01";
  return `00-${traceId}-${hex(8)}-${flags}`;
}

export const traceIdOf = (traceparent: string): string => traceparent.split("-")[1] ?? "";

/** A client-supplied correlation id is kept only if it is short and plain; anything else is replaced. */
export function correlationIdFrom(incoming: string | undefined | null): string {
  return incoming && CORRELATION_ID.test(incoming) ? incoming : randomUUID();
}

/** What a request hands on to the events it causes and the calls it makes: its correlation id and trace. */
export const traceOf = (c: {
  get(key: "correlationId" | "traceparent"): string;
}): { correlationId: string; traceparent: string } => ({
  correlationId: c.get("correlationId"),
  traceparent: c.get("traceparent"),
});
