import { spawn } from "node:child_process";
import { CONTAINER_LABELS, IMAGES } from "../support/environment/images";
import { hostUser, testServices } from "../support/environment/services";
import { eventually } from "../support/http";
import { rootDir } from "./support";

/** A Prometheus server a suite started, listening where its arguments say. */
export interface PrometheusServer {
  /** Stops it and waits until it is gone. */
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with these arguments: Debian's binary, or Prometheus's image when the global setup chose
 * containers (tests/support/environment). The container shares this machine's network, so that it scrapes
 * 127.0.0.1 and listens where the arguments say, and mounts the repository and `scratch` (config and storage) at
 * the paths they have here.
 * Resolves once `url` answers /-/ready.
 */
export async function startPrometheus(
  args: string[],
  scratch: string,
  url: string,
): Promise<PrometheusServer> {
  const output: string[] = [];
  let exited: string | undefined;
  let stop: () => Promise<void>;
  if (testServices().prometheusToolbox) {
    const { GenericContainer } = await import("testcontainers");
    const user = hostUser();
    const image = new GenericContainer(IMAGES.prometheus)
      .withLabels(CONTAINER_LABELS)
      .withNetworkMode("host")
      .withBindMounts([
        { source: rootDir, target: rootDir, mode: "ro" }, // the rule files the config names
        { source: scratch, target: scratch, mode: "rw" },
      ])
      .withCommand(args);
    const container = await (user ? image.withUser(user) : image).start();
    (await container.logs()).on("data", (chunk: Buffer) => output.push(chunk.toString()));
    stop = async () => {
      await container.stop();
    };
  } else {
    const child = spawn("prometheus", args, { stdio: ["ignore", "pipe", "pipe"] });
    child.on("error", (error) => {
      exited = `cannot start prometheus (apt-get install prometheus): ${error.message}`;
    });
    child.on("exit", (code, signal) => {
      exited ??= `prometheus exited (${signal ?? code})`;
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await gone;
    };
  }
  await eventually(
    async () => {
      if (exited) throw new Error(exited);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined;
    },
    15_000,
    "Prometheus to be ready",
  ).catch(async (error: unknown) => {
    await stop();
    throw new Error(`${(error as Error).message}\n${output.join("")}`, { cause: error });
  });
  return { stop };
}
