import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { routePath } from "hono/route";
import type { StatusCode } from "hono/utils/http-status";
import { PayloadTooLarge } from "../errors";
import {
  failSpan,
  SpanKind,
  spanIdOf,
  startSpan,
  traceparentOf,
  withSpan,
  type Span,
} from "../observability/tracing";
import { AnswerHeaders } from "./answer-headers";
import type { AppEnv, HttpDeps } from "./context";
import { metricsHandler } from "./metrics-endpoint";
import { problem, problemAnswer, toProblemResponse } from "./problem";
import { correlationIdFrom, nextTraceparent, traceIdOf } from "./tracing";

const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/** nginx's status for a request whose client hung up before the answer: logged and counted, never sent. */
const CLIENT_CLOSED_REQUEST = 499 as StatusCode;

/** Whether the client closed the connection before its request was read whole. */
const clientWentAway = (c: Context<AppEnv>): boolean =>
  (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.readableAborted === true;

/**
 * The Hono app every function starts from: request and correlation ids, traceparent (and, with tracing
 * on, a server span per request: health and metrics excepted), a request-scoped logger, RED metrics by
 * route template, a body size limit, problem+json errors, the health endpoints and
 * /metrics (unless `servesMetrics` is false).
 * Functions mount their routes on it; nothing here is repeated per route.
 */
export function createHttpApp(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(requestContext(deps));
  app.use(bodyLimitOf(deps.bodyLimitBytes));

  app.onError((error, c) => {
    // Reading a body the client stopped sending fails; that is the client's doing, not a 5xx of ours.
    if (clientWentAway(c)) return c.body(null, CLIENT_CLOSED_REQUEST);
    const { status, body, headers } = toProblemResponse(error);
    if (status >= 500) c.get("log").error({ err: error }, "request failed");
    return problemAnswer(c, { ...body, instance: c.req.path }, headers);
  });
  app.notFound((c) => problemAnswer(c, problem(404, `no route for ${c.req.method} ${c.req.path}`)));

  app.get("/healthz", (c) => c.json({ status: "ok", service: deps.service }));
  app.get("/readyz", async (c) => {
    const ready = deps.isReady ? await deps.isReady().catch(() => false) : true;
    return c.json({ status: ready ? "ready" : "not ready", service: deps.service }, ready ? 200 : 503);
  });
  if (deps.servesMetrics !== false) app.get("/metrics", metricsHandler(deps.metrics));

  return app;
}

/**
 * 413 beyond the limit. GET and HEAD carry no body (the server never reads one), and asking for
 * `c.req.raw.body` makes @hono/node-server build a full WHATWG Request, a tenth of a small request's cost.
 */
function bodyLimitOf(maxSize: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (): never => {
    throw new PayloadTooLarge(`request body exceeds ${maxSize} bytes`);
  };
  const limit = bodyLimit({ maxSize, onError: () => tooLarge() });
  return async function bodyLimitUnlessBodiless(c, next) {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    // A declared length is checked from the header alone: hono's limit would build the Request to ask.
    const declared = c.req.header("content-length");
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number(declared) > maxSize ? tooLarge() : next();
    }
    return limit(c, next);
  };
}

/**
 * Puts the request's answer headers on the answer a handler built without them. Under @hono/node-server
 * they go on Node's own response, which writes them with the answer's (an answer's own header of the same
 * name wins there, so the gateway's proxy puts them in its answers itself: AnswerHeaders.headersWith).
 * Setting them on `c.res.headers` instead makes the adapter build a WHATWG Headers for the answer, a tenth
 * of a small request's CPU; that is left for `app.request` in tests. `c.header()` on a finished answer would
 * copy it into a new Response whose body is a stream, so they are set in place there; only a Response
 * passed through from `fetch` has immutable headers.
 */
function addAnswerHeaders(c: Context<AppEnv>, headers: AnswerHeaders): void {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  for (const [name, value] of headers.entries()) {
    if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
    else {
      try {
        c.res.headers.set(name, value);
      } catch {
        c.header(name, value);
      }
    }
  }
}

function requestContext(deps: HttpDeps): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const started = performance.now();
    const requestId = randomUUID();
    // A binary-mode CloudEvent carries both as ce-* extensions, and a publisher's POST to the broker or a
    // Knative dispatcher's delivery may send no other copy: without the fallback that hop's logs lose them.
    const correlationId = correlationIdFrom(
      c.req.header("x-correlation-id") ?? c.req.header("ce-correlationid"),
    );
    const incoming = c.req.header("traceparent") ?? c.req.header("ce-traceparent");
    const span = QUIET_PATHS.has(c.req.path) ? undefined : serverSpan(c, incoming);
    const traceparent = span ? traceparentOf(span) : nextTraceparent(incoming);
    const log = deps.logger.child({
      request_id: requestId,
      correlation_id: correlationId,
      trace_id: traceIdOf(traceparent),
      span_id: spanIdOf(traceparent),
    });
    c.set("requestId", requestId);
    c.set("correlationId", correlationId);
    c.set("traceparent", traceparent);
    c.set("log", log);
    c.set("principal", undefined);
    const answerHeaders = new AnswerHeaders();
    answerHeaders.set("x-request-id", requestId);
    answerHeaders.set("x-correlation-id", correlationId);
    c.set("answerHeaders", answerHeaders);

    await withSpan(span, next);

    if (!answerHeaders.included) addAnswerHeaders(c, answerHeaders);
    const route = routePath(c, -1) || "unmatched";
    if (span) endServerSpan(span, c.req.method, route, c.res.status);
    const seconds = (performance.now() - started) / 1000;
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    deps.metrics.httpRequests.inc(labels);
    deps.metrics.httpDuration.observe(labels, seconds);
    if (!QUIET_PATHS.has(c.req.path)) {
      log.info(
        {
          method: c.req.method,
          route,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round(seconds * 1000),
        },
        "request",
      );
    }
  };
}

/** HTTP server span (semantic conventions); a request from outside starts a trace of its own. */
function serverSpan(c: Context<AppEnv>, incoming: string | undefined): Span | undefined {
  return startSpan(
    {
      name: c.req.method,
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": c.req.method, "url.path": c.req.path, "url.scheme": "http" },
    },
    incoming,
    "root",
  );
}

function endServerSpan(span: Span, method: string, route: string, status: number): void {
  span.updateName(`${method} ${route}`);
  span.setAttribute("http.route", route);
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) failSpan(span, `answered ${status}`, String(status));
  span.end();
}
