import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { CONTAINER_LABELS, IMAGES } from "./images";
import { hostUser } from "./services";

const rootDir = resolve(import.meta.dirname, "../../..");

/** A RabbitMQ for the run, on a port Docker picks; the guest user may connect from outside, as upstream's image allows. */
export async function startRabbitMQ(): Promise<{ container: StartedTestContainer; amqpUrl: string }> {
  const container = await new GenericContainer(IMAGES.rabbitmq)
    .withLabels(CONTAINER_LABELS)
    .withExposedPorts(5672)
    .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
    .withStartupTimeout(120_000)
    .start();
  return { container, amqpUrl: `amqp://guest:guest@${container.getHost()}:${container.getMappedPort(5672)}` };
}

/**
 * A container of the Prometheus image that only waits, for promtool to run in (`docker exec`). The repository
 * and the temporary folder are mounted at the paths they have here, so the tests' file arguments mean the same
 * inside; it runs as this user so that it can read files the tests wrote.
 */
export async function startPrometheusToolbox(): Promise<StartedTestContainer> {
  const scratch = tmpdir();
  const user = hostUser();
  const image = new GenericContainer(IMAGES.prometheus)
    .withLabels(CONTAINER_LABELS)
    .withEntrypoint(["sleep"])
    .withCommand(["86400"])
    .withBindMounts([
      { source: rootDir, target: rootDir, mode: "ro" },
      { source: scratch, target: scratch, mode: "rw" }, // promtool test rules keeps a TSDB in $TMPDIR
    ]);
  return (user ? image.withUser(user) : image).start();
}

/** Stops a container at once (the toolbox's sleep ignores SIGTERM; RabbitMQ's data is thrown away anyway). */
export const stopNow = (container: StartedTestContainer): Promise<unknown> => container.stop({ timeout: 0 });
