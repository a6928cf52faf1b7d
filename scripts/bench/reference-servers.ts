/**
 * Plain node:http servers that frame the gateway's figures: the baseline the targets are ratios of, and the
 * cheapest possible proxy hop, which bounds what any Node gateway in front of a function can reach.
 */
import { spawn, type ChildProcess } from "node:child_process";
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

// One hop with the same HTTP client the gateway uses (fetch), and nothing else: no ids, logs or metrics.
const BARE_PROXY = `
const target = process.argv[2];
require("node:http")
  .createServer(async (request, response) => {
    if (request.url === "/readyz") return response.end("ready");
    const upstream = await fetch(target + request.url, { headers: { accept: "*/*" } });
    const body = Buffer.from(await upstream.arrayBuffer());
    response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
    response.end(body);
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

/** A bare node:http + fetch proxy in front of `target`. */
export const startBareProxy = (target: string): Promise<ReferenceServer> => start(BARE_PROXY, [target]);
