import { Agent, request, type IncomingMessage } from "node:http";
import { endCallSpan, startCallSpan, type CallSpanSpec } from "./call-span";
import { flatHeaders } from "./raw-request";

/** What a peer answered: status, headers with lower-case names, and the whole body. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface SendOptions {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** From sending the request to the end of the answer's body. */
  timeoutMs: number;
  /** Aborts the request early, e.g. on shutdown. */
  signal?: AbortSignal;
  /** With tracing on, what this call's span says (default: a client span named by the method). */
  span?: () => CallSpanSpec;
}

/**
 * One keep-alive pool per process for service-to-service calls (outbox → broker, broker → subscriber).
 * node:http costs about a third of the CPU of the global `fetch` per call on Node 20 (BENCHMARKS.md), and
 * unlike the undici package it adds nothing to a function's bundle, start time or memory. Idle sockets close
 * after 4 s, before a Node server's 5 s keep-alive timeout could close one just as a request goes out on it.
 */
const agent = new Agent({ keepAlive: true, timeout: 4000, maxSockets: 64 });

/** Sends one request and reads the whole answer. Rejects when there is no answer (refused, reset, timed out). */
export function send(url: string, options: SendOptions): Promise<Answer> {
  const call = startCallSpan(url, options.method, options.headers, options.span);
  // Tracing off: the call as it always was.
  if (!call) return exchange(url, options);
  const answered = exchange(url, { ...options, headers: call.headers });
  answered.then(
    ({ status }) => endCallSpan(call.span, { status }),
    (error: unknown) => endCallSpan(call.span, { error }),
  );
  return answered;
}

function exchange(url: string, options: SendOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // As a latin1 string the body goes out in one write with the headers (bytes unchanged); as a buffer Node
    // writes the two separately, and on a busy machine a syscall costs more than the copy.
    const body =
      options.body === undefined || typeof options.body === "string"
        ? options.body
        : Buffer.from(options.body.buffer, options.body.byteOffset, options.body.byteLength).toString(
            "latin1",
          );
    const encoding = typeof options.body === "string" ? "utf8" : "latin1";
    const outgoing = request(url, {
      method: options.method,
      headers:
        body === undefined
          ? options.headers
          : { ...options.headers, "content-length": Buffer.byteLength(body, encoding) },
      agent,
      signal: options.signal,
    });
    const timer = setTimeout(
      () => outgoing.destroy(new DOMException("timed out", "TimeoutError")),
      options.timeoutMs,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error); // a second call is a no-op: the promise has settled
    };
    outgoing.on("error", fail);
    outgoing.on("response", (incoming) => {
      readAnswerBody(incoming).then((body) => {
        clearTimeout(timer);
        resolve({
          status: incoming.statusCode ?? 0,
          headers: flatHeaders(incoming.headers),
          body: new Uint8Array(body),
        });
      }, fail);
    });
    if (body === undefined) outgoing.end();
    else outgoing.end(body, encoding);
  });
}

/** An answer longer than its reader will hold in memory. */
export class AnswerTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`the answer exceeds ${limitBytes} bytes`);
    this.name = "AnswerTooLarge";
  }
}

/**
 * The whole body of an answer; rejects when it is cut off, or with AnswerTooLarge, having dropped the
 * connection, as soon as its Content-Length or the bytes received exceed `limitBytes`.
 */
export function readAnswerBody(incoming: IncomingMessage, limitBytes = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const tooLarge = (): void => {
      reject(new AnswerTooLarge(limitBytes)); // first: destroying the answer emits "aborted"
      chunks.length = 0;
      // Unread bytes stay on the connection, so it cannot carry another request: it goes.
      incoming.destroy();
    };
    if (Number(incoming.headers["content-length"]) > limitBytes) return tooLarge();
    incoming.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received > limitBytes) tooLarge();
      else chunks.push(chunk);
    });
    incoming.on("error", reject);
    incoming.on("aborted", () => reject(new Error("the answer was cut off")));
    incoming.on("end", () => resolve(Buffer.concat(chunks)));
  });
}
