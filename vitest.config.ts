import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
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
