import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Before any test: RabbitMQ, Prometheus's tools and the rest from this machine, from containers, or a
    // one-line-per-piece failure (tests/support/environment).
    globalSetup: ["tests/support/environment/global-setup.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "shared/**/*.test.ts",
            "broker/**/*.test.ts",
            "functions/**/*.test.ts",
            "scripts/**/*.test.ts",
          ],
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Suites start real servers on fixed ports; run files one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
