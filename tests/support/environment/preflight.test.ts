import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const rootDir = resolve(import.meta.dirname, "../../..");
const vitest = resolve(rootDir, "node_modules/vitest/vitest.mjs");

/** `vitest run <files>` in a child process, with extra environment; resolves with its exit code and output. */
async function runVitest(
  files: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [vitest, "run", ...files], {
      cwd: rootDir,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("the preflight, as `npm test` runs it", () => {
  it("stops before any test with one line per missing piece when neither this machine nor Docker has it", async () => {
    const { code, output } = await runVitest(
      ["tests/rabbitmq/broker.test.ts", "tests/observability/promtool.test.ts"],
      {
        BAZAAR_TEST_SERVICES: "containers", // as if this machine had neither
        DOCKER_HOST: "tcp://127.0.0.1:1", // and no Docker engine answered
        CI: "",
      },
    );
    expect(code).toBe(1);
    expect(output).toContain(
      "The tests cannot run on this machine as it is:\n" +
        "  RabbitMQ: BAZAAR_TEST_SERVICES=containers but no Docker engine is reachable — start Docker\n" +
        "  Prometheus (promtool, prometheus): BAZAAR_TEST_SERVICES=containers but no Docker engine is reachable — start Docker\n",
    );
    expect(output).not.toMatch(/Test Files|✓|×/); // no test ran
  });

  it("demands nothing of a file that needs nothing", async () => {
    const { code, output } = await runVitest(["tests/support/environment/plan.test.ts"], {
      BAZAAR_TEST_SERVICES: "containers",
      DOCKER_HOST: "tcp://127.0.0.1:1",
      CI: "",
    });
    expect(output).not.toContain("cannot run on this machine");
    expect(code, output).toBe(0);
  });
});
