import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startRoundRobin, type RoundRobin } from "./round-robin";

/** A replica that answers with its name, the method, path and body it got, and a header it was sent. */
async function replica(name: string): Promise<{ server: Server; url: string; requests: number }> {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    state.requests++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.writeHead(201, { "content-type": "application/json", "x-replica": name });
      res.end(
        JSON.stringify({
          name,
          method: req.method,
          url: req.url,
          body: Buffer.concat(chunks).toString(),
          forwarded: req.headers["x-forwarded-for"] ?? null,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { server, url });
}

/** A port nothing listens on (a replica that is down). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

describe("round-robin in front of a function's replicas", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0)) await close();
  });
  const started = async (replicas: string[]): Promise<RoundRobin> => {
    const proxy = await startRoundRobin({ port: 0, replicas });
    cleanup.push(() => proxy.close());
    return proxy;
  };

  it("sends each request to the next replica, also over one keep-alive connection", async () => {
    const replicas = [await replica("one"), await replica("two")];
    for (const r of replicas) cleanup.push(() => new Promise((done) => r.server.close(done)));
    const proxy = await started(replicas.map((r) => r.url));

    const names: string[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await fetch(`${proxy.url}/api/orders?x=${i}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
        body: JSON.stringify({ i }),
      });
      expect(answer.status).toBe(201);
      expect(answer.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
      const body = (await answer.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        method: "POST",
        url: `/api/orders?x=${i}`,
        body: JSON.stringify({ i }),
        forwarded: "203.0.113.9", // passed on as it came: the function's trusted-proxy rule still holds
      });
      names.push(String(body["name"]));
    }
    expect(names).toEqual(["one", "two", "one", "two", "one", "two"]);
  });

  it("skips a replica that refuses connections, and answers 503 when none is up", async () => {
    const up = await replica("up");
    cleanup.push(() => new Promise((done) => up.server.close(done)));
    const proxy = await started([await deadUrl(), up.url]);
    for (let i = 0; i < 4; i++) {
      const answer = await fetch(`${proxy.url}/x`, { method: "POST", body: "once" });
      expect(answer.status).toBe(201);
    }
    expect(up.requests).toBe(4); // each request reached it exactly once

    const none = await started([await deadUrl(), await deadUrl()]);
    const answer = await fetch(`${none.url}/readyz`);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toBe("no healthy upstream");
  });

  it("goes on to the other replica when one stops and comes back to it once it is up again", async () => {
    const one = await replica("one");
    const two = await replica("two");
    cleanup.push(() => new Promise((done) => two.server.close(done)));
    const proxy = await started([one.url, two.url]);
    await fetch(`${proxy.url}/a`).then((a) => a.text());
    await fetch(`${proxy.url}/b`).then((a) => a.text());

    one.server.closeAllConnections();
    await new Promise((done) => one.server.close(done));
    const names = [];
    for (let i = 0; i < 4; i++)
      names.push(((await (await fetch(`${proxy.url}/c`)).json()) as { name: string }).name);
    expect(names).toEqual(["two", "two", "two", "two"]);

    const port = new URL(one.url).port;
    await new Promise<void>((r) => one.server.listen(Number(port), "127.0.0.1", r));
    cleanup.push(() => new Promise((done) => one.server.close(done)));
    const again = [];
    for (let i = 0; i < 2; i++)
      again.push(((await (await fetch(`${proxy.url}/d`)).json()) as { name: string }).name);
    expect(again.sort()).toEqual(["one", "two"]);
  });
});
