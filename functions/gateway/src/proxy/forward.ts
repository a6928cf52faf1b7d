import type { ServerResponse } from "node:http";
import type { Context, Handler } from "hono";
import type { AppEnv, Client } from "@bazaar/shared/http";
import type { MicroCache } from "../edge/micro-cache";
import { upstreamRequestHeaders } from "./headers";
import { responseOf, type ForwardRequest, type Upstream } from "./upstream";

const WITHOUT_BODY = new Set(["GET", "HEAD"]);

/** Path and query of the URL the app routed: what follows the authority (as Hono's own getPath reads it). */
const pathAndQueryOf = (url: string): string => url.slice(url.indexOf("/", url.indexOf(":") + 3));

/**
 * A request whose answer may be shared: a GET (Hono also runs GET routes for HEAD, whose answer has no body)
 * in which nothing says who is asking.
 */
const isSharable = (c: Context<AppEnv>): boolean =>
  c.req.method === "GET" &&
  c.req.header("authorization") === undefined &&
  c.req.header("cookie") === undefined;

/** The client's request as its function gets it: the gateway's forwarding headers, the body buffered. */
async function forwardRequestOf(
  c: Context<AppEnv>,
  pathAndQuery: string,
  clientOf: (c: Context<AppEnv>) => Client,
): Promise<ForwardRequest> {
  const client = clientOf(c);
  const body = WITHOUT_BODY.has(c.req.method) ? undefined : await c.req.arrayBuffer();
  return {
    method: c.req.method,
    pathAndQuery,
    headers: upstreamRequestHeaders(c.req.raw.headers, {
      forwardedFor: client.forwardedFor,
      forwardedProto: client.proto,
      forwardedHost: c.req.header("host"),
      correlationId: c.get("correlationId"),
      traceparent: c.get("traceparent"),
    }),
    body: body && body.byteLength > 0 ? new Uint8Array(body) : undefined,
    // @hono/node-server's env; absent when the app is called without a server (app.request in tests).
    caller: (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing,
  };
}

/**
 * The last step of every routed request: forward it to its function and hand back whatever the function
 * answered. The body is buffered; the shared body limit has already refused anything larger (413). With a
 * cache (the public catalog's GETs), anonymous requests may be answered from it.
 */
export function forwardTo(
  upstream: Upstream,
  clientOf: (c: Context<AppEnv>) => Client,
  cache?: MicroCache,
): Handler<AppEnv> {
  return async function proxy(c) {
    const pathAndQuery = pathAndQueryOf(c.req.url);
    // Keyed by Host too, which the function learns as X-Forwarded-Host: an answer built from it (links) is
    // never served to a client that named another host.
    const answer =
      cache && isSharable(c)
        ? await cache.through(`${c.req.header("host") ?? ""} ${pathAndQuery}`, async () =>
            upstream.forward(await forwardRequestOf(c, pathAndQuery, clientOf)),
          )
        : await upstream.forward(await forwardRequestOf(c, pathAndQuery, clientOf));
    return responseOf(answer, c.get("answerHeaders"));
  };
}
