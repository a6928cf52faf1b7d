import { Agent, request } from "node:http";

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
}

/**
 * One keep-alive pool per process for service-to-service calls (outbox → broker, broker → subscriber).
 * node:http costs about a third of the CPU of the global `fetch` per call on Node 20 (BENCHMARKS.md), and
 * unlike the undici package it adds nothing to a function's bundle, start time or memory.
 */
const agent = new Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 64 });

/** Sends one request and reads the whole answer. Rejects when there is no answer (refused, reset, timed out). */
export function send(url: string, options: SendOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body ?? "";
    const outgoing = request(url, {
      method: options.method,
      headers: { ...options.headers, "content-length": Buffer.byteLength(body) },
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
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("error", fail);
      incoming.on("aborted", () => fail(new Error("the answer was cut off")));
      incoming.on("end", () => {
        clearTimeout(timer);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        resolve({ status: incoming.statusCode ?? 0, headers, body: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    outgoing.end(body);
  });
}
