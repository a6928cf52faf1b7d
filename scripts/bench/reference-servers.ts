/**
 * Plain node:http servers that frame the gateway's figures: the baseline the targets are ratios of, the
 * cheapest possible proxy hop, which bounds what any Node gateway in front of a function can reach, and the
 * cheapest possible order list, which bounds part 2 together with that hop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { freePort } from "../../tests/support/ports";
import { stopProcess, waitUntilReady } from "../dev/services";

// Plain CommonJS for `node -e`: no framework, no TypeScript loader, nothing between node:http and the socket.
const HELLO = `
require("node:http")
  .createServer((request, response) => {
    if (request.url === "/readyz") return response.end("ready");
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("hello world");
  })
  .listen(Number(process.argv[1]), "127.0.0.1");
`;

// One hop as the gateway makes it (a keep-alive node:http client, the answer read whole and written in one
// go), and nothing else: no ids, logs, metrics, limits or breaker.
const BARE_PROXY = `
const http = require("node:http");
const target = new URL(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
http
  .createServer((request, response) => {
    if (request.url === "/readyz") return response.end("ready");
    const headers = { accept: "*/*" };
    if (request.headers.authorization) headers.authorization = request.headers.authorization;
    http
      .request({ agent, host: target.hostname, port: target.port, path: request.url, headers }, (upstream) => {
        const chunks = [];
        upstream.on("data", (chunk) => chunks.push(chunk));
        upstream.on("end", () => {
          response.writeHead(upstream.statusCode, { "content-type": upstream.headers["content-type"] ?? "text/plain" });
          response.end(Buffer.concat(chunks));
        });
      })
      .on("error", () => response.writeHead(502).end())
      .end();
  })
  .listen(Number(process.argv[1]), "127.0.0.1");
`;

// A customer's order list from the order function's own database file, with statements prepared once and
// nothing else: no token, validation, logs or metrics. What any function that answers part 2 has to do.
const BARE_ORDER_LIST = `
const Database = require(process.argv[2]);
const db = new Database(process.argv[3], { readonly: true });
const customerId = Number(process.argv[4]);
const ordersOf = db.prepare("SELECT * FROM orders WHERE customer_id = ? ORDER BY id DESC LIMIT 50");
const itemsOf = db.prepare("SELECT * FROM order_items WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY id");
require("node:http")
  .createServer((request, response) => {
    if (request.url === "/readyz") return response.end("ready");
    const orders = ordersOf.all(customerId);
    const items = itemsOf.all(JSON.stringify(orders.map((order) => order.id)));
    const body = orders.map((order) => ({ ...order, items: items.filter((item) => item.order_id === order.id) }));
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  })
  .listen(Number(process.argv[1]), "127.0.0.1");
`;

export interface ReferenceServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function start(code: string, args: string[] = []): Promise<ReferenceServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["-e", code, String(port), ...args], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child, 10_000);
  return { url, pid: child.pid as number, stop: () => stopProcess(child) };
}

/** The baseline: a hello-world node:http server. */
export const startHello = (): Promise<ReferenceServer> => start(HELLO);

/** A bare keep-alive node:http proxy in front of `target`. */
export const startBareProxy = (target: string): Promise<ReferenceServer> => start(BARE_PROXY, [target]);

/** A bare node:http server answering one customer's order list from the order function's database file. */
export const startBareOrderList = (databaseFile: string, customerId: number): Promise<ReferenceServer> =>
  start(BARE_ORDER_LIST, [
    createRequire(import.meta.url).resolve("libsql"),
    databaseFile,
    String(customerId),
  ]);
