import type { ContainerRuntimeClient } from "testcontainers";
import { inject } from "vitest";
import { localAmqpUrl } from "./probes";

/** Where the tests find what the global setup decided on (tests/support/environment/global-setup.ts). */
export interface TestServices {
  amqpUrl: string;
  /** The RabbitMQ container's id when RabbitMQ runs in one: rabbitmqctl then runs in it. */
  rabbitmqContainer?: string;
  /** The id of the container promtool runs in when this machine has no Prometheus tools. */
  prometheusToolbox?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    testServices: TestServices;
  }
}

/** The decision, or this machine's services when the tests run without the global setup. */
export const testServices = (): TestServices => inject("testServices") ?? { amqpUrl: localAmqpUrl() };

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

let dockerClient: Promise<ContainerRuntimeClient> | undefined;

/**
 * Runs a command in a running container, as `docker exec` would. Testcontainers' Docker client is loaded and
 * found once per test file: that takes seconds, too long to happen inside a test's own timing.
 */
export async function execIn(
  container: string,
  command: string[],
  workingDir?: string,
): Promise<CommandResult> {
  dockerClient ??= import("testcontainers").then(({ getContainerRuntimeClient }) =>
    getContainerRuntimeClient(),
  );
  const client = await dockerClient;
  const { exitCode, stdout, stderr } = await client.container.exec(
    client.container.getById(container),
    command,
    workingDir === undefined ? {} : { workingDir },
  );
  return { exitCode, stdout, stderr };
}

/** The user the host runs as, so a container reads and writes the files the tests hand it (bind mounts). */
export const hostUser = (): string | undefined =>
  process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : undefined;
