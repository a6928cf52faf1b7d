import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { Hono } from "hono";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { baseConfigSchema } from "../config";
import { clientOf, trustedProxies } from "./client-address";
import type { AppEnv } from "./context";
import { serve, type Serving } from "./serve";

const loopbackTrusted = trustedProxies(["127.0.0.1"]);
const app = new Hono<AppEnv>()
  .get("/", (c) => c.text("here"))
  .get("/client", (c) => c.text(clientOf(c, loopbackTrusted).address));
const logger = pino({ level: "silent" });

/** An IPv4 address of this machine that is not loopback, if it has one (a container or CI runner does). */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === "IPv4" && !address.internal)?.address;

/** Whether a TCP connection to host:port is accepted. */
const accepts = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

const servers: Serving[] = [];
const signals = ["SIGTERM", "SIGINT"] as const;
const listenersBefore = new Map(signals.map((signal) => [signal, process.listeners(signal)]));

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  // serve() drains on these signals; the test process must not keep its handlers.
  for (const signal of signals)
    for (const listener of process.listeners(signal))
      if (!listenersBefore.get(signal)!.includes(listener)) process.removeListener(signal, listener);
});

const start = async (host: string): Promise<Serving> => {
  const server = await serve(app, { host, port: 0, logger, graceSeconds: 1 });
  servers.push(server);
  return server;
};

describe("serve", () => {
  it("listens on loopback by default: HOST is 127.0.0.1 unless the environment says otherwise", () => {
    const base = { PORT: "8080", K_SERVICE: "order" };
    expect(baseConfigSchema.parse(base).HOST).toBe("127.0.0.1");
    expect(baseConfigSchema.parse({ ...base, HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
    expect(baseConfigSchema.safeParse({ ...base, HOST: "" }).success).toBe(false);
  });

  it("binds where it is told: on 127.0.0.1 it answers on loopback and nowhere else", async () => {
    const server = await start("127.0.0.1");
    expect(server.host).toBe("127.0.0.1");
    expect(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()).toBe("here");
    if (outside) expect(await accepts(outside, server.port), `reachable on ${outside}`).toBe(false);
  });

  it("on 0.0.0.0 it answers on every IPv4 address of the machine, as a container must", async () => {
    const server = await start("0.0.0.0");
    // Bound without a lookup: `::` takes IPv4 too (0.0.0.0 itself on a machine without IPv6).
    expect(["::", "0.0.0.0"]).toContain(server.host);
    expect(await accepts("127.0.0.1", server.port)).toBe(true);
    if (outside) expect(await accepts(outside, server.port), `unreachable on ${outside}`).toBe(true);
  });

  it("on 0.0.0.0 an IPv4 proxy's X-Forwarded-For is still believed (its address arrives IPv4-mapped)", async () => {
    const server = await start("0.0.0.0");
    const answer = await fetch(`http://127.0.0.1:${server.port}/client`, {
      headers: { "x-forwarded-for": "198.51.100.9" },
    });
    expect(await answer.text()).toBe("198.51.100.9");
  });
});

/** Writes raw bytes to the server and reads all it answers until it closes the connection. */
const rawExchange = (port: number, bytes: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.once("close", () => resolve(answer));
    socket.once("error", reject);
    socket.write(bytes);
  });

describe("what Node's parser refuses before the app runs", () => {
  const problemIn = (answer: string) => {
    const [head = "", body = ""] = answer.split("\r\n\r\n");
    return { statusLine: head.split("\r\n")[0], head, body: JSON.parse(body) as Record<string, unknown> };
  };

  it("answers an unknown method with a problem+json 400, then closes", async () => {
    const { port } = await start("127.0.0.1");
    const answer = problemIn(await rawExchange(port, "FOO / HTTP/1.1\r\nHost: x\r\n\r\n"));
    expect(answer.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(answer.head).toContain("Content-Type: application/problem+json");
    expect(answer.body).toEqual({
      type: "https://bazaar.dev/problems/bad-request",
      title: "Bad Request",
      status: 400,
      detail: "The request is not valid HTTP/1.1.",
      error: "The request is not valid HTTP/1.1.",
    });
  });

  it("answers a header block over Node's limit with a problem+json 431", async () => {
    const { port } = await start("127.0.0.1");
    const huge = `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"x".repeat(20_000)}\r\n\r\n`;
    const answer = problemIn(await rawExchange(port, huge));
    expect(answer.statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(answer.body).toMatchObject({ status: 431, title: "Request Header Fields Too Large" });
  });

  it("keeps serving good requests on other connections", async () => {
    const { port } = await start("127.0.0.1");
    await rawExchange(port, "FOO / HTTP/1.1\r\n\r\n");
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("here");
  });
});
