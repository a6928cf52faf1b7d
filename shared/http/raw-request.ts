import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Context } from "hono";
import { readWholeBody } from "./whole-body";

export interface RawRequest {
  /** Header names in lower case; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * A request's headers and body as bytes, for routes that take them whole (CloudEvents). Under
 * @hono/node-server they are read straight from Node's IncomingMessage: `c.req.raw` would first build a full
 * WHATWG Request, which costs more than the rest of a small event's handling. In tests (`app.request`) and
 * whenever the body stream was already started, the Request is used as usual.
 */
export async function rawRequestOf(c: Context): Promise<RawRequest> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.readableDidRead || incoming.readableEnded) {
    return {
      headers: Object.fromEntries(c.req.raw.headers),
      body: new Uint8Array(await c.req.arrayBuffer()),
    };
  }
  const body = await readWholeBody(incoming);
  return {
    headers: flatHeaders(incoming.headers),
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
  };
}

/** Node's parsed headers as plain strings, a repeated header's values joined with ", ". */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
