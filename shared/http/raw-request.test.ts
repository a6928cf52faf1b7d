import { connect, type AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "./client";
import { rawRequestOf } from "./raw-request";

let server: ServerType;
let url: string;
const app = new Hono();
const echo = async (c: Parameters<typeof rawRequestOf>[0]) => {
  const { headers, body } = await rawRequestOf(c);
  return c.json({ headers, bytes: [...body] });
};
app.post("/direct", echo);
/** What reading a body that never arrives whole ends in. */
let cutOff: Promise<string> | undefined;
app.post("/cut-off", (c) => {
  cutOff = rawRequestOf(c).then(
    () => "read",
    (error: unknown) => (error as Error).message,
  );
  return cutOff.then(() => c.body(null, 204));
});
// A middleware that reads the stream first (hono's own body limit does, without a content-length).
app.post("/after-stream", bodyLimit({ maxSize: 1024 }), echo);

beforeAll(async () => {
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = async (path: string, headers: Record<string, string>, body: Uint8Array) => {
  const answer = await send(`${url}${path}`, { method: "POST", headers, body, timeoutMs: 2000 });
  return JSON.parse(Buffer.from(answer.body).toString()) as {
    headers: Record<string, string>;
    bytes: number[];
  };
};

describe("rawRequestOf", () => {
  const bytes = new Uint8Array([123, 0, 255, 34, 125]);

  it("reads headers and the exact body bytes from Node's request", async () => {
    const seen = await post("/direct", { "ce-id": "e-1", "x-twice": "a" }, bytes);
    expect(seen.bytes).toEqual([...bytes]);
    expect(seen.headers).toMatchObject({ "ce-id": "e-1", "content-length": "5" });
  });

  it("falls back to the WHATWG Request when a middleware has read the stream", async () => {
    const chunked = await new Promise<{ bytes: number[] }>((resolve, reject) => {
      // No content-length: hono's body limit reads the stream, so the body must come from the Request.
      void import("node:http").then(({ request }) => {
        const outgoing = request(`${url}/after-stream`, { method: "POST" }, (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () =>
            resolve(JSON.parse(Buffer.concat(chunks).toString()) as { bytes: number[] }),
          );
        });
        outgoing.on("error", reject);
        outgoing.write(bytes.subarray(0, 2));
        outgoing.end(bytes.subarray(2));
      });
    });
    expect(chunked.bytes).toEqual([...bytes]);
  });

  it("works under app.request too (tests), through the Request", async () => {
    const response = await app.request("/direct", { method: "POST", body: bytes });
    expect(((await response.json()) as { bytes: number[] }).bytes).toEqual([...bytes]);
  });

  it("rejects, never hangs, when the client goes before its body is whole", async () => {
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("POST /cut-off HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\nonly a part");
    await expect.poll(() => cutOff !== undefined).toBe(true); // the handler is reading
    socket.destroy();
    expect(await cutOff).toMatch(/aborted|cut off/);
  });
});
