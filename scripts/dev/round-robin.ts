/**
 * What stands in front of a function's replicas on one machine, as Knative's routing (Kourier's Envoy) does
 * in a cluster: one address per function, each request sent to the next replica in turn. Balancing is per
 * request, not per connection, so a keep-alive client (the gateway, the broker, a test's fetch) still
 * reaches every replica. A replica that refuses connections (stopped, killed, restarting) is skipped, as
 * Envoy skips a pod that is not ready; when none accepts, the answer is Envoy's: 503 "no healthy upstream".
 * A request is sent again to another replica only when it cannot have reached the first one: the connection
 * was refused, or a reused idle connection was closed by the replica before it read anything.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RoundRobin {
  /** Where it listens: the function's one URL. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface RoundRobinOptions {
  /** The address and port the function is reached at. */
  host?: string;
  port: number;
  /** Each replica's base URL, e.g. http://127.0.0.1:5103. */
  replicas: readonly string[];
}

/** Headers that belong to one connection, not to the request or answer (RFC 9110, 7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);

/** Raw headers (name, value, name, value...) less the hop-by-hop ones and any in `also`. */
const endToEnd = (raw: string[], also?: string): string[] => {
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? "").toLowerCase();
    if (!HOP_BY_HOP.has(name) && name !== also) kept.push(raw[i] ?? "", raw[i + 1] ?? "");
  }
  return kept;
};

/** The whole request body: small in Bazaar (64 KB at most), and kept so it can go to another replica. */
const bodyOf = (incoming: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => resolve(Buffer.concat(chunks)));
    incoming.on("error", reject);
  });

/** The request cannot have reached the replica: safe to send to another one, whatever its method. */
const neverArrived = (error: NodeJS.ErrnoException, reusedSocket: boolean): boolean =>
  error.code === "ECONNREFUSED" || (reusedSocket && error.code === "ECONNRESET");

export function startRoundRobin(options: RoundRobinOptions): Promise<RoundRobin> {
  const host = options.host ?? "127.0.0.1";
  const replicas = options.replicas.map((url) => new URL(url));
  // Idle connections close after 4 s, before a Node server's 5 s keep-alive timeout closes them under us.
  const agent = new Agent({ keepAlive: true, timeout: 4000, maxSockets: 256 });
  let next = 0;

  function forward(
    incoming: IncomingMessage,
    answer: ServerResponse,
    body: Buffer,
    order: readonly URL[],
  ): void {
    const [target, ...rest] = order;
    if (!target) {
      answer.writeHead(503, { "content-type": "text/plain", "retry-after": "1" });
      answer.end("no healthy upstream");
      return;
    }
    // The body goes whole, with its length, whether it came chunked or not.
    const headers = endToEnd(incoming.rawHeaders, "content-length");
    headers.push("content-length", String(body.byteLength));
    const outgoing = request({
      host: target.hostname,
      port: target.port,
      method: incoming.method,
      path: incoming.url,
      headers,
      agent,
    });
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      if (answer.headersSent) return void answer.destroy(error);
      if (neverArrived(error, outgoing.reusedSocket)) return forward(incoming, answer, body, rest);
      answer.writeHead(502, { "content-type": "text/plain" });
      answer.end(`upstream ${target.host}: ${error.code ?? error.message}`);
    });
    outgoing.on("response", (reply) => {
      answer.writeHead(reply.statusCode ?? 502, reply.statusMessage, endToEnd(reply.rawHeaders));
      reply.pipe(answer);
      reply.on("error", (error) => answer.destroy(error));
    });
    // The client went away: so does the request to the replica (and its socket, which is mid-request).
    answer.on("close", () => {
      if (!answer.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  }

  const server = createServer((incoming, answer) => {
    const first = next;
    next = (next + 1) % replicas.length;
    const order = replicas.map((_, i) => replicas[(first + i) % replicas.length] as URL);
    bodyOf(incoming).then(
      (body) => forward(incoming, answer, body, order),
      () => answer.destroy(),
    );
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
            agent.destroy();
          }),
      });
    });
  });
}
