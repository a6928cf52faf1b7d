import type { IncomingMessage } from "node:http";

/** A request as a test server sees it: header names lower-case, a repeated header joined with ", ". */
export interface IncomingRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Reads a whole request, for the stand-in servers of tests (sinks, subscribers, upstreams). */
export function readIncoming(request: IncomingMessage): Promise<IncomingRequest> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("error", reject);
    request.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      resolve({
        method: request.method ?? "",
        path: request.url ?? "",
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
    });
  });
}
