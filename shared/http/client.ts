import type { EventEmitter } from "node:events";
import * as http from "node:http";
import * as https from "node:https";
import { endCallSpan, startCallSpan, type CallSpanSpec } from "./call-span";
import { flatHeaders } from "./raw-request";
import { readWholeBody } from "./whole-body";

/**
 * Bazaar's one outbound HTTP client, over node:http: on Node 20 a node:http exchange costs about a third of
 * the CPU of the global `fetch` (BENCHMARKS.md), which builds WHATWG Request, Response, Headers and streams
 * for each call, and unlike the undici package it adds nothing to a bundle, start time or memory.
 * `send` serves service-to-service calls (outbox → broker, broker → subscriber, order → inventory);
 * `createOriginPool` is the gateway's pool to one function, whose answers it passes on.
 */

/** Connection-level headers (RFC 9110 §7.6.1): they describe one hop and never travel further. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** One request as the caller describes it. */
export interface OutboundRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | undefined;
  /** Aborts the call early, e.g. on shutdown: it rejects with the signal's AbortError. */
  signal?: AbortSignal | undefined;
  /**
   * The connection this call is made for (a proxied request's ServerResponse): its "close" before the answer
   * is in means nobody waits for it any more, and the call stops with CallerGone.
   */
  caller?: Pick<EventEmitter, "once" | "off"> | undefined;
}

/** What a peer answered: status, headers with lower-case names (repeats joined by ", "), the whole body. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** An answer to pass on as it is: its end-to-end headers in order, repeats kept (Set-Cookie). */
export interface RelayedAnswer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** No whole answer within the call's time. */
export class CallTimeout extends Error {
  override readonly name = "TimeoutError";
}

/** The connection the call was made for closed first; the call was cut short. */
export class CallerGone extends Error {
  override readonly name = "CallerGone";
}

const BODILESS = new Set(["GET", "HEAD"]);
/** A keep-alive socket the peer closed just as it was reused: safe to try once more when idempotent. */
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);

/** Where requests go: an origin, its connection pool, and the path every request's path follows. */
interface Route {
  transport: typeof http | typeof https;
  agent: http.Agent;
  protocol: string;
  hostname: string;
  port: string;
  prefix: string;
}

/** How a caller's calls are written and read: a string body's encoding, the answer's limit and shape. */
interface Reading<A> {
  bodyEncoding: "utf8" | "latin1";
  maxAnswerBytes: number;
  shape: (incoming: http.IncomingMessage, body: Buffer) => A;
}

/**
 * One request and its whole answer. A GET or HEAD that fails on a reused keep-alive socket the peer had
 * just closed (reset, broken pipe) goes once more on a fresh one, within the same deadline.
 */
function exchange<A>(
  route: Route,
  path: string,
  request: OutboundRequest,
  deadline: number,
  reading: Reading<A>,
  retried = false,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const { method, body } = request;
    // Only a request that may carry a body gets a length (0 without one); a GET's headers go as given.
    const headers = BODILESS.has(method)
      ? request.headers
      : {
          ...request.headers,
          "content-length":
            body === undefined
              ? 0
              : typeof body === "string"
                ? Buffer.byteLength(body, reading.bodyEncoding)
                : body.byteLength,
        };
    const outgoing = route.transport.request({
      protocol: route.protocol,
      hostname: route.hostname,
      port: route.port,
      path: route.prefix + path,
      agent: route.agent,
      method,
      headers,
      signal: request.signal,
    });
    const timer = setTimeout(
      () => outgoing.destroy(new CallTimeout("timed out")),
      Math.max(0, deadline - Date.now()),
    );
    const callerGone = (): void => void outgoing.destroy(new CallerGone("the caller closed the request"));
    request.caller?.once("close", callerGone);
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      request.caller?.off("close", callerGone);
      return true;
    };
    const fail = (error: Error): void => {
      if (!settle()) return;
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (!retried && outgoing.reusedSocket && BODILESS.has(method) && STALE_SOCKET.has(code)) {
        resolve(exchange(route, path, request, deadline, reading, true));
      } else reject(error);
    };
    outgoing.on("error", fail);
    outgoing.on("response", (incoming) => {
      readWholeBody(incoming, reading.maxAnswerBytes).then((answerBody) => {
        if (settle()) resolve(reading.shape(incoming, answerBody));
      }, fail);
    });
    if (typeof body === "string") outgoing.end(body, reading.bodyEncoding);
    else outgoing.end(body);
  });
}

/** A URL's origin over a pool of kept-alive connections, with the path every request's path follows. */
function routeTo(base: URL, agents: { "http:": http.Agent; "https:": https.Agent }, prefix: string): Route {
  const secure = base.protocol === "https:";
  return {
    transport: secure ? https : http,
    agent: secure ? agents["https:"] : agents["http:"],
    protocol: base.protocol,
    // node:http takes an IPv6 address without its URL brackets.
    hostname: base.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: base.port,
    prefix,
  };
}

/**
 * Kept-alive sockets idle for 4 s close, sooner if the peer's Keep-Alive says so (Node's servers close theirs
 * after 5 s): a socket the peer closed on its side is then rarely reused.
 */
const keepAlive = (maxSockets: number) => ({ keepAlive: true, timeout: 4_000, maxSockets });

/** One pool per process for `send`, whatever the peer. */
const sharedAgents = { "http:": new http.Agent(keepAlive(64)), "https:": new https.Agent(keepAlive(64)) };

export interface SendOptions extends OutboundRequest {
  /** From sending the request to the end of the answer's body. */
  timeoutMs: number;
  /** With tracing on, what this call's span says (default: a client span named by the method). */
  span?: () => CallSpanSpec;
}

const wholeAnswer = (incoming: http.IncomingMessage, body: Buffer): Answer => ({
  status: incoming.statusCode ?? 0,
  headers: flatHeaders(incoming.headers),
  body: new Uint8Array(body),
});
// As a latin1 string a binary body goes out in one write with the headers (bytes unchanged); as a buffer
// Node writes the two separately, and on a busy machine a syscall costs more than the copy.
const TEXT_BODY: Reading<Answer> = { bodyEncoding: "utf8", maxAnswerBytes: Infinity, shape: wholeAnswer };
const BINARY_BODY: Reading<Answer> = { ...TEXT_BODY, bodyEncoding: "latin1" };

/** Sends one request and reads the whole answer. Rejects when there is no answer (refused, reset, timed out). */
export function send(url: string, options: SendOptions): Promise<Answer> {
  const call = startCallSpan(url, options.method, options.headers, options.span);
  // Tracing off: the call as it always was.
  if (!call) return sendNow(url, options);
  const answered = sendNow(url, { ...options, headers: call.headers });
  answered.then(
    ({ status }) => endCallSpan(call.span, { status }),
    (error: unknown) => endCallSpan(call.span, { error }),
  );
  return answered;
}

function sendNow(url: string, options: SendOptions): Promise<Answer> {
  const target = new URL(url);
  const route = routeTo(target, sharedAgents, "");
  const path = `${target.pathname}${target.search}`;
  const deadline = Date.now() + options.timeoutMs;
  const { body } = options;
  if (body === undefined || typeof body === "string")
    return exchange(route, path, options, deadline, TEXT_BODY);
  const latin1 = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1");
  return exchange(route, path, { ...options, body: latin1 }, deadline, BINARY_BODY);
}

export interface OriginPoolSettings {
  /** From sending a request to the last byte of its answer. */
  timeoutMs: number;
  /** Bytes of an answer's body held at most; a longer answer fails with AnswerTooLarge and its socket goes. */
  maxAnswerBytes: number;
  maxSockets: number;
}

/** Kept-alive connections to one origin, whose answers are passed on. */
export interface OriginPool {
  /** `path` (with its query) follows the base URL's path. */
  request(path: string, request: OutboundRequest): Promise<RelayedAnswer>;
  close(): void;
}

/** A pool of its own per origin: one slow function cannot take the sockets another one's calls need. */
export function createOriginPool(baseUrl: string, settings: OriginPoolSettings): OriginPool {
  const agents = {
    "http:": new http.Agent(keepAlive(settings.maxSockets)),
    "https:": new https.Agent(keepAlive(settings.maxSockets)),
  };
  const base = new URL(baseUrl);
  const route = routeTo(base, agents, base.pathname.replace(/\/+$/, ""));
  const reading: Reading<RelayedAnswer> = {
    bodyEncoding: "utf8",
    maxAnswerBytes: settings.maxAnswerBytes,
    shape: (incoming, body) => ({
      status: incoming.statusCode ?? 502,
      headers: endToEndHeaders(incoming.rawHeaders),
      body,
    }),
  };
  return {
    request: (path, request) => exchange(route, path, request, Date.now() + settings.timeoutMs, reading),
    close: () => {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

/** An answer's headers minus hop-by-hop ones and those its Connection header names; repeats kept, in order. */
function endToEndHeaders(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? "").toLowerCase();
    const value = raw[i + 1] ?? "";
    if (name === "connection") named = new Set(value.split(",").map((token) => token.trim().toLowerCase()));
    else if (!HOP_BY_HOP.has(name)) pairs.push([name, value]);
  }
  return named ? pairs.filter(([name]) => !named.has(name)) : pairs;
}
