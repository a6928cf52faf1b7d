import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readIncoming } from "./incoming";

/** One request the sink received, read as a binary-mode CloudEvent (as the relay and broker send them). */
export interface Captured {
  type: string;
  subject: string | undefined;
  id: string;
  source: string | undefined;
  path: string;
  /** Lower-case names; a repeated header joined with ", ". */
  headers: Record<string, string>;
  /** The body as sent. */
  body: string;
  /** The event's data parsed as JSON; undefined when it is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read event data loosely
  data: any;
}

export interface SinkOptions {
  /**
   * The status to answer; `nth` counts the deliveries of this event id so far (1 = first), so a test can
   * fail a first attempt and accept the retry. 202 by default, as a broker ingress answers.
   */
  answer?: (nth: number, event: Captured) => number;
}

export interface Sink {
  url: string;
  events: Captured[];
  /** The first event of `type` (that satisfies `predicate`), received before or within `timeoutMs`. */
  waitFor(type: string, predicate?: (event: Captured) => boolean, timeoutMs?: number): Promise<Captured>;
  stop(): Promise<void>;
}

/**
 * An HTTP server that stands in for the broker (K_SINK) or a subscriber: it records every CloudEvent
 * POSTed to it and answers with a status the test chooses.
 */
export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const events: Captured[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((request, response) => {
    void readIncoming(request).then(({ path, headers, body }) => {
      const event = readEvent(path || "/", headers, body);
      events.push(event);
      const nth = events.filter((e) => e.id === event.id).length;
      response.writeHead(options.answer?.(nth, event) ?? 202).end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    waitFor: (type, predicate = () => true, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const find = (): void => {
          const found = events.find((e) => e.type === type && predicate(e));
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(find);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(find);
          const seen = events.map((e) => `${e.type}(${e.subject ?? "-"})`).join(", ") || "nothing";
          reject(new Error(`no ${type} within ${timeoutMs} ms; received ${seen}`));
        }, timeoutMs);
        waiters.add(find);
        find();
      }),
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readEvent(path: string, headers: Record<string, string>, body: string): Captured {
  return {
    type: headers["ce-type"] ?? "",
    subject: headers["ce-subject"],
    id: headers["ce-id"] ?? "",
    source: headers["ce-source"],
    path,
    headers,
    body,
    data: parseJson(body),
  };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
