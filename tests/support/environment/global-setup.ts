/**
 * Runs before any test: finds what the selected test files need (RabbitMQ, Prometheus's tools, Redis,
 * shellcheck, kubectl, Chromium), takes it from this machine where it is there, starts RabbitMQ and Prometheus
 * in containers through Testcontainers where it is not and a Docker engine answers, and otherwise stops the
 * run at once with one line per missing piece. BAZAAR_TEST_SERVICES=containers uses containers even where
 * this machine has the service (to try that path). Under CI=true nothing comes from a container.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { StartedTestContainer } from "testcontainers";
import type { TestProject } from "vitest/node";
import { needsOf } from "./needs";
import { containersWanted, plan } from "./plan";
import { absentLocally, dockerReachable, localAmqpUrl } from "./probes";
import type { TestServices } from "./services";

/** The test files this run will run: every project's files that match the command line's filters. */
async function selectedTestFiles(project: TestProject): Promise<{ path: string; source: string }[]> {
  const { vitest } = project;
  // Vitest keeps the command line's file filters here (not typed as public); without them, every file counts.
  const filters = (vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  const selected = await Promise.all(vitest.projects.map((each) => each.globTestFiles(filters)));
  return selected.flatMap(({ testFiles }) =>
    testFiles.map((file) => ({
      path: relative(vitest.config.root, file),
      source: readFileSync(file, "utf8"),
    })),
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const needs = needsOf(await selectedTestFiles(project));
  const known = {
    needs,
    absent: await absentLocally(needs),
    preferContainers: process.env["BAZAAR_TEST_SERVICES"] === "containers",
    ci: process.env["CI"] === "true",
  };
  const docker = containersWanted(known).length > 0 && (await dockerReachable());
  const { sources, missing } = plan({ ...known, docker });
  if (missing.length > 0) {
    // Thrown, the lines would come after Vitest's "No test files found" and its include globs; alone they say it.
    console.error(`\nThe tests cannot run on this machine as it is:\n  ${missing.join("\n  ")}\n`);
    process.exit(1);
  }

  const inContainers = [...sources].filter(([, source]) => source === "container").map(([need]) => need);
  if (inContainers.length > 0)
    console.log(`test services: ${inContainers.join(", ")} in containers (Testcontainers)`);
  const started: StartedTestContainer[] = [];
  const services: TestServices = { amqpUrl: localAmqpUrl() };
  try {
    const containers = await import("./containers");
    if (sources.get("rabbitmq") === "container") {
      const rabbit = await containers.startRabbitMQ();
      started.push(rabbit.container);
      services.amqpUrl = rabbit.amqpUrl;
      services.rabbitmqContainer = rabbit.container.getId();
    }
    if (sources.get("prometheus") === "container") {
      const toolbox = await containers.startPrometheusToolbox();
      started.push(toolbox);
      services.prometheusToolbox = toolbox.getId();
    }
  } catch (error) {
    await stopAll(started);
    throw error;
  }
  project.provide("testServices", services);
  return () => stopAll(started);
}

async function stopAll(containers: StartedTestContainer[]): Promise<void> {
  if (containers.length === 0) return;
  const { stopNow } = await import("./containers");
  await Promise.all(containers.map(stopNow));
}
