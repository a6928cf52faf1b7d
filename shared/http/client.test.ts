import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "./client";

let server: Server;
let url: string;
const seen: { method: string; headers: Record<string, unknown>; body: Buffer }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", headers: request.headers, body: Buffer.concat(chunks) });
      if (request.url === "/slow") return void setTimeout(() => response.end("late"), 500);
      response.writeHead(201, { "x-answer": "yes", "content-type": "text/plain" }).end("créé");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("send", () => {
  it("posts the exact bytes of a binary body and reads status, headers and body", async () => {
    const bytes = new Uint8Array([0, 0xff, 0xc3, 0x28, 0x7b]); // not valid UTF-8 on purpose
    const answer = await send(`${url}/x`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
      timeoutMs: 1000,
    });
    expect(answer.status).toBe(201);
    expect(answer.headers["x-answer"]).toBe("yes");
    expect(Buffer.from(answer.body).toString("utf8")).toBe("créé");
    const request = seen.at(-1)!;
    expect([...request.body]).toEqual([...bytes]);
    expect(request.headers["content-length"]).toBe("5");
  });

  it("sends a text body as UTF-8 with its byte length", async () => {
    await send(`${url}/x`, { method: "POST", headers: {}, body: '{"name":"Ünïcode ✓"}', timeoutMs: 1000 });
    const request = seen.at(-1)!;
    expect(request.body.toString("utf8")).toBe('{"name":"Ünïcode ✓"}');
    expect(Number(request.headers["content-length"])).toBe(request.body.length);
  });

  it("sends a GET without a body", async () => {
    await send(`${url}/x`, { method: "GET", headers: {}, timeoutMs: 1000 });
    expect(seen.at(-1)).toMatchObject({ method: "GET", body: Buffer.alloc(0) });
  });

  it("rejects with a TimeoutError when the answer is late", async () => {
    await expect(send(`${url}/slow`, { method: "GET", headers: {}, timeoutMs: 50 })).rejects.toMatchObject({
      name: "TimeoutError",
    });
  });

  it("rejects when nobody listens, and when the caller aborts", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      send(`http://127.0.0.1:${port}/`, { method: "GET", headers: {}, timeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: "ECONNREFUSED" });

    const controller = new AbortController();
    const pending = send(`${url}/slow`, {
      method: "GET",
      headers: {},
      timeoutMs: 5000,
      signal: controller.signal,
    });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});
