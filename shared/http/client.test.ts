import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallTimeout, createOriginPool, send } from "./client";

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
    const late = send(`${url}/slow`, { method: "GET", headers: {}, timeoutMs: 50 });
    await expect(late).rejects.toBeInstanceOf(CallTimeout);
    await expect(late).rejects.toMatchObject({ name: "TimeoutError" });
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

describe("an origin pool", () => {
  let origin: Server;
  let base: string;
  let calls = 0;
  beforeAll(async () => {
    origin = createServer((request, response) => {
      calls += 1;
      // The second request comes on the first one's kept-alive socket: the origin drops it unanswered.
      if (request.url?.startsWith("/base/stale") && calls === 2) return void request.socket.destroy();
      response.writeHead(200, [
        ["x-path", request.url ?? ""],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
        ["keep-alive", "timeout=5"],
        ["connection", "x-hop"],
        ["x-hop", "1"],
      ]);
      response.end("ok");
    });
    await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/base/`;
  });
  afterAll(() => new Promise<void>((resolve) => origin.close(() => resolve())));

  it("sends under the base path and keeps only the answer's end-to-end headers, repeats in order", async () => {
    const pool = createOriginPool(base, { timeoutMs: 1000, maxAnswerBytes: 1024, maxSockets: 4 });
    const answer = await pool.request("/x?q=1", { method: "GET", headers: {} });
    pool.close();
    expect(answer.status).toBe(200);
    expect(answer.headers.filter(([name]) => name !== "date")).toEqual([
      ["x-path", "/base/x?q=1"],
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
    ]);
    expect(Buffer.from(answer.body).toString()).toBe("ok");
  });

  it("tries a GET once more on a fresh socket when its reused one was closed by the origin", async () => {
    calls = 0;
    const pool = createOriginPool(base, { timeoutMs: 1000, maxAnswerBytes: 1024, maxSockets: 1 });
    expect((await pool.request("/stale", { method: "GET", headers: {} })).status).toBe(200);
    expect((await pool.request("/stale", { method: "GET", headers: {} })).status).toBe(200);
    pool.close();
    expect(calls).toBe(3);
  });
});
