/**
 * An OTLP/HTTP receiver for tests: what a Collector's `otlphttp` receiver takes on POST /v1/traces, in the
 * JSON encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), kept as flat spans to assert on.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One span as a test reads it: ids in hex, times in nanoseconds since the epoch, attributes flattened. */
export interface ReceivedSpan {
  service: string;
  /** The resource's other attributes (service.version, service.namespace, ...). */
  resource: Record<string, string | number | boolean>;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

export const KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: KeyValue[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
}
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

const valueOf = (value: AnyValue): string | number | boolean =>
  value.stringValue ??
  (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
  value.doubleValue ??
  value.boolValue ??
  "";

const flatten = (pairs: KeyValue[] = []): Record<string, string | number | boolean> =>
  Object.fromEntries(pairs.map(({ key, value }) => [key, valueOf(value)]));

/** OTLP/JSON ids are hex strings; an exporter that sends base64 (protobuf JSON mapping) is read too. */
const hexId = (id: string | undefined): string | undefined =>
  id === undefined || id === ""
    ? undefined
    : /^[0-9a-f]+$/i.test(id)
      ? id.toLowerCase()
      : Buffer.from(id, "base64").toString("hex");

export function spansOf(request: ExportRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = flatten(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        service: String(resource["service.name"] ?? ""),
        resource,
        traceId: hexId(span.traceId) ?? "",
        spanId: hexId(span.spanId) ?? "",
        parentSpanId: hexId(span.parentSpanId),
        name: span.name,
        kind: span.kind,
        startNs: BigInt(span.startTimeUnixNano),
        endNs: BigInt(span.endTimeUnixNano),
        attributes: flatten(span.attributes),
        links: (span.links ?? []).map((link) => ({
          traceId: hexId(link.traceId) ?? "",
          spanId: hexId(link.spanId) ?? "",
        })),
        status: span.status?.code ?? 0,
      })),
    );
  });
}

export interface OtlpReceiver {
  /** Base URL, as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Export requests refused because they were not OTLP/JSON. */
  refused: number;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver = { spans: [] as ReceivedSpan[], refused: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const json = (request.headers["content-type"] ?? "").startsWith("application/json");
      if (request.method !== "POST" || request.url !== "/v1/traces" || !json) {
        receiver.refused += 1;
        response.writeHead(415).end();
        return;
      }
      receiver.spans.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ExportRequest));
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get spans() {
      return receiver.spans;
    },
    get refused() {
      return receiver.refused;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Env that makes every process export to `receiver` at once: JSON, every span sampled, 100 ms batches. */
export const tracingEnv = (receiver: OtlpReceiver): Record<string, string> => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_TRACES_SAMPLER: "parentbased_always_on",
  OTEL_BSP_SCHEDULE_DELAY: "100",
});
