/**
 * What outside the repository the test files need, and how a test file shows it needs it. A file's needs are
 * read from its path and source (the helper it imports), so the preflight demands only what the selected files
 * use: `npx vitest run tests/gateway.test.ts` asks for nothing, `npm test` for everything.
 */
export type Need = "rabbitmq" | "prometheus" | "redis" | "shellcheck" | "kubectl" | "chromium";

export interface NeedSpec {
  /** As the one-line messages name it. */
  label: string;
  /** Whether a test file needs it, from its path (relative to the repository) and source. */
  usedBy(path: string, source: string): boolean;
  /** Whether a container can stand in for it when it is not on this machine. */
  container: boolean;
  /** How to get it, for the line that says it is missing. */
  install: string;
}

export const NEEDS: Record<Need, NeedSpec> = {
  rabbitmq: {
    label: "RabbitMQ",
    usedBy: (_path, source) => source.includes("support/rabbitmq"),
    container: true,
    install: "install rabbitmq-server and start it (or set AMQP_URL), or start Docker",
  },
  prometheus: {
    label: "Prometheus (promtool, prometheus)",
    usedBy: (_path, source) => /\b(runTool|startPrometheus)\(/.test(source),
    container: true,
    install: "install prometheus (Debian's package ships promtool too), or start Docker",
  },
  redis: {
    label: "Redis",
    usedBy: (_path, source) => source.includes('from "ioredis"'),
    container: false,
    install: "install redis-server (or valkey) and start it on 127.0.0.1:6379, or set REDIS_URL",
  },
  shellcheck: {
    label: "shellcheck",
    usedBy: (_path, source) => source.includes('"shellcheck"'),
    container: false,
    install: "install shellcheck (apt-get install shellcheck, brew install shellcheck)",
  },
  kubectl: {
    label: "kubectl",
    usedBy: (_path, source) => source.includes("kubectlKustomize"),
    container: false,
    install: "install kubectl (https://kubernetes.io/docs/tasks/tools/)",
  },
  chromium: {
    label: "Chromium",
    usedBy: (path, source) => path.startsWith("tests/web/") || source.includes("support/browser"),
    container: false,
    install:
      "install chromium (apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary",
  },
};

export const needNames = Object.keys(NEEDS) as Need[];

/** The preflight's own tests: they name every need in their examples and need none of them. */
const isPreflightTest = (path: string): boolean => path.startsWith("tests/support/environment/");

/** Everything the given test files (paths relative to the repository) need. */
export const needsOf = (files: readonly { path: string; source: string }[]): Set<Need> =>
  new Set(
    needNames.filter((need) =>
      files.some((file) => !isPreflightTest(file.path) && NEEDS[need].usedBy(file.path, file.source)),
    ),
  );
