/**
 * The embedded broker as a real process, killed with SIGKILL while it holds events it answered 202 for: they
 * are on disk (DATA_DIR/broker.db), and the next process delivers them. The subscribers are recording servers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecorder, type Recorder } from "../broker/testing";
import { functionNames, urlVariableOf } from "../shared/config";
import { call, eventually } from "./support/http";
import { startSystem, type System } from "./support/system";

let system: System;
let order: Recorder;
let others: Recorder;
/** While true, the order function is down: every delivery to it gets a 503. */
let orderDown = true;

beforeAll(async () => {
  order = await startRecorder(() => (orderDown ? 503 : 202));
  others = await startRecorder(); // every other function, and the dead-letter sink
  system = await startSystem({
    services: ["broker"],
    env: {
      broker: {
        ...Object.fromEntries(functionNames.map((name) => [urlVariableOf(name), others.url])),
        ORDER_URL: order.url,
        // The first retry comes after 10 s: the events are still waiting when the broker is killed.
        BROKER_BACKOFF_DELAY_MS: "10000",
      },
    },
  });
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([order, others].map((r) => r?.close()));
});

const publish = (id: string) =>
  call("POST", `${system.url("broker")}/`, {
    raw: '{"order_id":42}',
    headers: {
      "ce-specversion": "1.0",
      "ce-id": id,
      "ce-source": "/bazaar/shipping",
      "ce-type": "bazaar.shipment.cancelled",
      "ce-subject": "42",
      "content-type": "application/json",
    },
  });

describe("the embedded broker killed with SIGKILL", () => {
  it("delivers after its restart the events it accepted (202) while their subscriber was down", async () => {
    const ids = ["kill-1", "kill-2", "kill-3", "kill-4", "kill-5", "kill-6"];
    for (const id of ids) expect((await publish(id)).status).toBe(202);
    // order-shipment-cancelled has 4 workers: four first attempts failed, two events wait behind them.
    await eventually(async () => (order.received.length === 4 ? true : undefined), 5000, "first attempts");

    const broker = system.service("broker");
    await broker.stop("SIGKILL");
    orderDown = false;
    await broker.start();

    // Well before the first retry would have been due (10 s), each event comes once more and is taken.
    await eventually(
      async () => (order.received.length === 4 + ids.length ? true : undefined),
      5000,
      "redelivery",
    );
    const afterRestart = order.received.slice(4).map((request) => request.headers["ce-id"]);
    expect(afterRestart.sort()).toEqual(ids);
    expect(others.received).toEqual([]); // nothing dead-lettered, nothing misrouted
    await eventually(
      async () => (broker.logs.some((line) => line.includes("resuming the events")) ? true : undefined),
      2000,
      "the broker to say it resumed what it had on disk",
    );
  });
});
