import type { EventEmitter } from "node:events";
import * as http from "node:http";
import * as https from "node:https";
import { readAnswerBody } from "@bazaar/shared/http";

/** One request to a function, as the gateway sends it. */
export interface Exchange {
  method: string;
  /** Path and query, e.g. /api/products?q=lap. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  /** From sending the request to the last byte of the answer. */
  timeoutMs: number;
  /** Bytes of answer body held at most; a longer answer fails with AnswerTooLarge and its connection goes. */
  maxAnswerBytes: number;
  /** The client's side of this request (a ServerResponse): "close" before we are done means it went away. */
  client?: Pick<EventEmitter, "once" | "off"> | undefined;
}

/** The function's answer, read whole: the status, its end-to-end headers in order, and the body. */
export interface UpstreamAnswer {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** No whole answer within the exchange's timeout. */
export class ExchangeTimeout extends Error {
  override readonly name = "TimeoutError";
}

/** The client went away first; the call upstream was cut short. */
export class ClientGone extends Error {}

/** Connection-level headers (RFC 9110 §7.6.1) of the answer: they describe the hop from the function only. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
const BODILESS = new Set(["GET", "HEAD"]);
/** A keep-alive socket the function closed just as it was reused: safe to try once more when idempotent. */
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);

/**
 * A keep-alive connection pool to one function over node:http. On Node 20 a node:http exchange costs about
 * a third of the CPU of `fetch`, which builds WHATWG Request, Response, Headers and streams for each call.
 */
export function connectionTo(baseUrl: string): {
  send(exchange: Exchange): Promise<UpstreamAnswer>;
  close(): void;
} {
  const base = new URL(baseUrl);
  const secure = base.protocol === "https:";
  const client = secure ? https : http;
  // Idle sockets close after 4 s (sooner if the function's Keep-Alive says so, as Node's servers do): a socket
  // the function closed on its side is then rarely reused.
  const agent = new client.Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 });
  const prefix = base.pathname.replace(/\/+$/, "");
  const target = { protocol: base.protocol, hostname: base.hostname, port: base.port, agent };

  const attempt = (exchange: Exchange, deadline: number, retried: boolean): Promise<UpstreamAnswer> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...exchange.headers };
      if (!BODILESS.has(exchange.method)) headers["content-length"] = exchange.body?.byteLength ?? 0;
      const outgoing = client.request({
        ...target,
        method: exchange.method,
        path: `${prefix}${exchange.path}`,
        headers,
      });
      const timer = setTimeout(
        () => outgoing.destroy(new ExchangeTimeout("timed out")),
        Math.max(0, deadline - Date.now()),
      );
      const clientGone = (): void => void outgoing.destroy(new ClientGone("client closed the request"));
      exchange.client?.once("close", clientGone);
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        exchange.client?.off("close", clientGone);
        return true;
      };
      const fail = (error: Error): void => {
        if (!settle()) return;
        const code = (error as NodeJS.ErrnoException).code ?? "";
        if (!retried && outgoing.reusedSocket && BODILESS.has(exchange.method) && STALE_SOCKET.has(code)) {
          resolve(attempt(exchange, deadline, true));
        } else reject(error);
      };
      outgoing.on("error", fail);
      outgoing.on("response", (incoming) => {
        readAnswerBody(incoming, exchange.maxAnswerBytes).then((body) => {
          if (!settle()) return;
          resolve({
            status: incoming.statusCode ?? 502,
            headers: endToEndHeaders(incoming.rawHeaders),
            body,
          });
        }, fail);
      });
      outgoing.end(exchange.body);
    });

  return {
    send: (exchange) => attempt(exchange, Date.now() + exchange.timeoutMs, false),
    close: () => agent.destroy(),
  };
}

/** The answer's headers minus hop-by-hop ones and those its Connection header names; repeats kept. */
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
