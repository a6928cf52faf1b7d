/**
 * Test support only (imported by tests, never by the broker): a tiny HTTP server that stands in for a
 * subscriber or a dead-letter sink, records every request and answers as the test says.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readIncoming, type IncomingRequest } from "@bazaar/shared/testing";

export type Received = IncomingRequest;

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer this late (a slow subscriber). */
  delayMs?: number;
}

/** How to answer a request; `nth` counts the requests so far that carried the same ce-id (1 = first). */
export type Responder = (request: Received, nth: number) => Reply | number;

export interface Recorder {
  url: string;
  received: Received[];
  /** The requests that carried this ce-id. */
  withId(id: string): Received[];
  respond: Responder;
  close(): Promise<void>;
}

export async function startRecorder(respond: Responder = () => 202): Promise<Recorder> {
  const received: Received[] = [];
  const withId = (id: string): Received[] => received.filter((r) => r.headers["ce-id"] === id);
  const server = createServer((request, response) => {
    void readIncoming(request).then((entry) => {
      received.push(entry);
      const id = entry.headers["ce-id"];
      const answer = recorder.respond(entry, id ? withId(id).length : 1);
      const reply = typeof answer === "number" ? { status: answer } : answer;
      setTimeout(() => {
        response.writeHead(reply.status, reply.headers);
        response.end(reply.body);
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const recorder: Recorder = {
    url: `http://127.0.0.1:${port}`,
    received,
    withId,
    respond,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return recorder;
}

/** Polls until the condition holds; fails with `what` after the timeout. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
