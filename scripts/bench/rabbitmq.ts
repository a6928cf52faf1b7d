/**
 * RabbitMQ's own ceiling on this machine: persistent messages published with confirms to a durable queue,
 * nothing else. Every event of the saga costs at least one such publish when the broker runs over RabbitMQ, so
 * this rate divided by the events per order bounds the orders per second of that mode.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { connect, type ConfirmChannel } from "amqplib";

const run = promisify(execFile);

export type QueueType = "quorum" | "classic";

export interface PublishCeiling {
  queueType: QueueType;
  /** Confirms awaited in a window of `window` outstanding publishes: the throughput ceiling. */
  pipelinedPerSecond: number;
  window: number;
  /** Each publish waits for its confirm before the next: what one sequential publisher gets. */
  sequentialPerSecond: number;
  messageBytes: number;
}

const MESSAGE = Buffer.from(
  JSON.stringify({
    order_id: 1,
    customer_id: 1,
    items: [{ product_id: 1, quantity: 1, unit_price_cents: 1000 }],
  }),
);

const publishOne = (channel: ConfirmChannel, queue: string): Promise<void> =>
  new Promise((resolve, reject) => {
    channel.sendToQueue(queue, MESSAGE, { persistent: true, contentType: "application/json" }, (error) =>
      error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
    );
  });

async function pipelined(channel: ConfirmChannel, queue: string, seconds: number, window: number) {
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  let confirmed = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (performance.now() < until) {
        await publishOne(channel, queue);
        confirmed += 1;
      }
    }),
  );
  return confirmed / ((performance.now() - started) / 1000);
}

async function sequential(channel: ConfirmChannel, queue: string, seconds: number) {
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  let confirmed = 0;
  while (performance.now() < until) {
    await publishOne(channel, queue);
    confirmed += 1;
  }
  return confirmed / ((performance.now() - started) / 1000);
}

/** Undefined when RabbitMQ answers (a few tries: tests elsewhere may be restarting it), else why not. */
export async function rabbitProblem(amqpUrl: string, tries = 5): Promise<string | undefined> {
  let problem = "";
  for (let attempt = 1; attempt <= tries; attempt += 1) {
    try {
      await (await connect(amqpUrl)).close();
      return undefined;
    } catch (error) {
      problem = (error as Error).message;
      await sleep(2000);
    }
  }
  return `no RabbitMQ at ${new URL(amqpUrl).host} (${problem})`;
}

/**
 * Runs `work` against a vhost of its own, deleted afterwards, so the broker's durable queues neither meet
 * another run's (tests may use the default vhost at the same time) nor stay behind. Needs rabbitmqctl on
 * this machine; without it, says why instead.
 */
export async function withThrowawayVhost<T>(
  amqpUrl: string,
  work: (url: string) => Promise<T>,
): Promise<T | string> {
  const url = new URL(amqpUrl);
  const vhost = `bazaar-bench-${randomUUID().slice(0, 8)}`;
  const user = decodeURIComponent(url.username || "guest");
  try {
    await run("rabbitmqctl", ["add_vhost", vhost]);
    await run("rabbitmqctl", ["set_permissions", "-p", vhost, user, ".*", ".*", ".*"]);
  } catch (error) {
    return `could not make a throwaway vhost with rabbitmqctl (${(error as Error).message.split("\n")[0]})`;
  }
  try {
    url.pathname = `/${encodeURIComponent(vhost)}`;
    return await work(url.toString());
  } finally {
    await run("rabbitmqctl", ["delete_vhost", vhost]).catch(() => undefined);
  }
}

export async function benchRabbitPublish(
  amqpUrl: string,
  seconds: number,
  queueType: QueueType,
): Promise<PublishCeiling> {
  const connection = await connect(amqpUrl, { noDelay: true }); // as the broker connects
  const channel = await connection.createConfirmChannel();
  const queue = `bazaar-bench-${randomUUID()}`;
  const window = 256;
  try {
    await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": queueType } });
    await sequential(channel, queue, 1); // warm-up
    const pipelinedPerSecond = await pipelined(channel, queue, seconds, window);
    await channel.purgeQueue(queue);
    const sequentialPerSecond = await sequential(channel, queue, seconds);
    return { queueType, pipelinedPerSecond, window, sequentialPerSecond, messageBytes: MESSAGE.length };
  } finally {
    await channel.deleteQueue(queue).catch(() => undefined);
    await connection.close().catch(() => undefined); // already closed if something dropped it
  }
}
