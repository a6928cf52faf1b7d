import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What a test upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type UpstreamHandler = (request: SeenRequest, response: ServerResponse) => void;

export interface TestUpstream {
  url: string;
  seen: SeenRequest[];
  /** Replaces how it answers from now on. */
  answer(handler: UpstreamHandler): void;
  stop(): Promise<void>;
  /** Listens again on the same port (after stop). */
  start(): Promise<void>;
}

/** Echoes the request back as JSON: what a function would have received from the gateway. */
export const echo: UpstreamHandler = (request, response) => {
  response.writeHead(200, { "content-type": "application/json", "x-upstream": "echo" });
  response.end(JSON.stringify(request));
};

/** A tiny real HTTP server on 127.0.0.1 standing in for a function, for tests only. */
export async function startTestUpstream(handler: UpstreamHandler = echo): Promise<TestUpstream> {
  let current = handler;
  const seen: SeenRequest[] = [];
  let server: Server | undefined;
  let port = 0;

  const start = async (): Promise<void> => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const request = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        seen.push(request);
        current(request, res);
      });
    });
    await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  };
  await start();

  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    answer: (next) => (current = next),
    start,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
