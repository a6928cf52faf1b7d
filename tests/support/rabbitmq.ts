/**
 * RabbitMQ for the tests in tests/rabbitmq: a broker name of their own (so queues from other runs never
 * interfere), the Trigger folder rewritten to name it, a look into its queues, cleanup, and rabbitmqctl.
 * Every helper fails (never skips) when RabbitMQ cannot be reached: CI must run these tests.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connect, type ConfirmChannel } from "amqplib";
import {
  defaultTriggersDir,
  deleteTopology,
  loadTriggers,
  namesOf,
  type Names,
  type Trigger,
} from "../../broker";
import { execIn, testServices } from "./environment/services";

/** This machine's RabbitMQ or the container the global setup started (tests/support/environment). */
export const AMQP_URL = testServices().amqpUrl;

/**
 * Runs `fn` on a confirm channel of a short-lived connection of its own (the broker's may be down meanwhile).
 * A publish in `fn` must be awaited with waitForConfirms, or the closing connection may lose it.
 */
export async function withChannel<T>(fn: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
  let connection;
  try {
    connection = await connect(AMQP_URL, { timeout: 5000 });
  } catch (error) {
    throw new Error(
      `RabbitMQ is not reachable at ${AMQP_URL.replace(/:[^:@/]*@/, ":***@")} (${(error as Error).message}); ` +
        "these tests need it: start one (rabbitmq-server) or set AMQP_URL",
      { cause: error },
    );
  }
  try {
    return await fn(await connection.createConfirmChannel());
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Fails the suite at once, with a clear message, when RabbitMQ is not there. */
export async function requireRabbitMQ(): Promise<void> {
  await withChannel(async () => undefined);
  // In a container, a first rabbitmqctl loads the Docker client: here, not in the middle of a test's timing.
  if (testServices().rabbitmqContainer) await rabbitmqctl("await_startup");
}

export interface RabbitBroker {
  /** BROKER_NAME: unique per test file and run. */
  name: string;
  names: Names;
  triggers: Trigger[];
  /** The broker's settings for RabbitMQ mode. */
  env: Record<string, string>;
  /** Deletes every exchange and queue of this broker and the rewritten Trigger folder. */
  remove(): Promise<void>;
}

/** A BROKER_NAME for one test file and run: its exchanges and queues (bazaar.<name>...) are its own. */
export const uniqueBrokerName = (label: string): string => `test-${label}-${randomBytes(3).toString("hex")}`;

/** Messages ready (not in flight) in a queue. */
export const readyIn = (queue: string): Promise<number> =>
  withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount);

/** Deletes every exchange and queue of a broker, messages included. */
export const removeBroker = (name: string, triggers: readonly Trigger[]): Promise<void> =>
  withChannel((channel) => deleteTopology(channel, namesOf(name), triggers));

/** A broker of its own that routes by the real knative/triggers, rewritten to name it. */
export function rabbitBroker(label: string): RabbitBroker {
  const name = uniqueBrokerName(label);
  const dir = mkdtempSync(join(tmpdir(), `bazaar-triggers-${label}-`));
  for (const file of readdirSync(defaultTriggersDir)) {
    const text = readFileSync(join(defaultTriggersDir, file), "utf8");
    writeFileSync(join(dir, file), text.replace(/^(\s+broker:) default$/gm, `$1 ${name}`));
  }
  const triggers = loadTriggers(dir, { urls: {}, broker: name }); // throws if a Trigger was not renamed
  return {
    name,
    names: namesOf(name),
    triggers,
    env: { AMQP_URL, BROKER_NAME: name, BROKER_TRIGGERS_DIR: dir },
    async remove() {
      rmSync(dir, { recursive: true, force: true });
      await removeBroker(name, triggers);
    },
  };
}

const run = promisify(execFile);

/** rabbitmqctl in RabbitMQ's container, or on this machine (root, or a user who can read the Erlang cookie). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const container = testServices().rabbitmqContainer;
  if (container) {
    const { exitCode, stdout, stderr } = await execIn(container, ["rabbitmqctl", ...args]);
    if (exitCode !== 0)
      throw new Error(`rabbitmqctl ${args.join(" ")} failed in RabbitMQ's container: ${stderr}`);
    return stdout;
  }
  try {
    const { stdout } = await run("rabbitmqctl", args, { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`rabbitmqctl ${args.join(" ")} failed: ${stderr || message}`, { cause: error });
  }
}
