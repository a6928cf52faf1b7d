/**
 * Part 3's floor: what an order's hops cost with nothing but node:http and libSQL, no framework, validation,
 * logging or metrics. One CloudEvent exchange (a keep-alive POST in binary mode, body read and parsed, 202)
 * and one consumer's write transaction (claim the event, change a row, add an outbox row, with statements
 * prepared once) are each timed in CPU, both sides of the exchange in this one process; an order is as many
 * of each as its saga makes. Any Node implementation of this saga costs at least that much per order, so
 * cores × 1000 / floor bounds the rate whatever is optimised.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { orderEvents } from "./saga";

export interface FloorResult {
  /** CPU of one CloudEvent POST, client and server together. */
  exchangeCpuMs: number;
  /** CPU of one consumer's write transaction. */
  transactionCpuMs: number;
  events: number;
  /** Broker deliveries of those events: one per matching Trigger. */
  deliveries: number;
  /** The placement, order's price lookup, one publish per event and one delivery per Trigger. */
  exchangesPerOrder: number;
  /** The placement, one per delivery, one relay "sent" mark per event. */
  transactionsPerOrder: number;
  floorCpuMsPerOrder: number;
}

export interface FloorSettings {
  exchanges: number;
  transactions: number;
  /** POSTs in flight at once, as the broker's dispatchers keep several. */
  inFlight: number;
}

/** An order.placed as the order function publishes it: the size of a typical event. */
const EVENT_BODY = JSON.stringify({
  orderId: randomUUID(),
  customerId: randomUUID(),
  items: [
    { productId: randomUUID(), quantity: 2, unitPriceCents: 1299 },
    { productId: randomUUID(), quantity: 1, unitPriceCents: 4500 },
  ],
  totalCents: 7098,
  currency: "USD",
  placedAt: new Date().toISOString(),
});

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

export async function benchFloor(settings: FloorSettings): Promise<FloorResult> {
  const { events, deliveries } = orderEvents();
  const exchangeCpuMs = await exchangeCost(settings);
  const transactionCpuMs = transactionCost(settings.transactions);
  const exchangesPerOrder = 2 + events + deliveries;
  const transactionsPerOrder = 1 + deliveries + events;
  return {
    exchangeCpuMs,
    transactionCpuMs,
    events,
    deliveries,
    exchangesPerOrder,
    transactionsPerOrder,
    floorCpuMsPerOrder: exchangesPerOrder * exchangeCpuMs + transactionsPerOrder * transactionCpuMs,
  };
}

async function exchangeCost({ exchanges, inFlight }: FloorSettings): Promise<number> {
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      outgoing.writeHead(202).end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as { port: number };
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const post = () =>
    new Promise<void>((done, failed) => {
      const body = Buffer.from(EVENT_BODY);
      const outgoing = request(
        {
          agent,
          port,
          host: "127.0.0.1",
          method: "POST",
          path: "/events",
          headers: {
            "content-type": "application/json",
            "content-length": body.length,
            "ce-specversion": "1.0",
            "ce-id": randomUUID(),
            "ce-source": "/bazaar/order",
            "ce-type": "bazaar.order.placed",
            "ce-subject": randomUUID(),
            "ce-time": new Date().toISOString(),
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          },
        },
        (answer) => {
          answer.resume();
          answer.on("end", () =>
            answer.statusCode === 202 ? done() : failed(new Error(`${answer.statusCode}`)),
          );
        },
      );
      outgoing.on("error", failed);
      outgoing.end(body);
    });
  const run = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next++ < count) await post();
      }),
    );
  };
  try {
    await run(Math.ceil(exchanges / 5)); // warm-up: sockets open, code optimised
    const start = process.cpuUsage();
    await run(exchanges);
    return cpuMs(start) / exchanges;
  } finally {
    agent.destroy();
    server.close();
  }
}

function transactionCost(transactions: number): number {
  const dir = mkdtempSync(join(tmpdir(), "bazaar-floor-"));
  const db = new Database(join(dir, "floor.db"));
  try {
    db.exec(`PRAGMA journal_mode=WAL;
      CREATE TABLE processed_events (source TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (source, id));
      CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE outbox (id TEXT PRIMARY KEY, type TEXT NOT NULL, payload TEXT NOT NULL,
        created_at INTEGER NOT NULL, sent_at INTEGER);`);
    const statements = {
      relax: db.prepare("PRAGMA synchronous=NORMAL"),
      begin: db.prepare("BEGIN IMMEDIATE"),
      claim: db.prepare(
        "INSERT INTO processed_events (source, id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id",
      ),
      insertOrder: db.prepare("INSERT INTO orders (id, status, updated_at) VALUES (?, 'placed', ?)"),
      update: db.prepare("UPDATE orders SET status = ?, updated_at = ? WHERE id = ?"),
      outbox: db.prepare("INSERT INTO outbox (id, type, payload, created_at) VALUES (?, ?, ?, ?)"),
      commit: db.prepare("COMMIT"),
    };
    statements.relax.run();
    statements.claim.raw(true); // rows as arrays, as the functions read them; set once, as a prepared statement keeps it
    const orderIds = Array.from({ length: 100 }, () => randomUUID());
    for (const id of orderIds) statements.insertOrder.run(id, Date.now());
    const once = (index: number) => {
      statements.begin.run();
      statements.claim.all("/bazaar/inventory", randomUUID());
      statements.update.run("awaiting_payment", Date.now(), orderIds[index % orderIds.length]);
      statements.outbox.run(randomUUID(), "bazaar.payment.requested", EVENT_BODY, Date.now());
      statements.commit.run();
    };
    for (let index = 0; index < Math.ceil(transactions / 5); index += 1) once(index);
    const start = process.cpuUsage();
    for (let index = 0; index < transactions; index += 1) once(index);
    return cpuMs(start) / transactions;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
