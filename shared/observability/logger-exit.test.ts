import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const LOGGER = join(import.meta.dirname, "logger.ts");
const LINES = 300;

/** A real process that logs through the buffered stdout, then ends in the way given. */
async function linesWritten(ending: string): Promise<{ messages: string[]; code: number }> {
  const script = `
    import { createLogger } from ${JSON.stringify(LOGGER)};
    const log = createLogger("exit-test");
    for (let i = 0; i < ${LINES}; i += 1) log.info({ i }, "line " + i);
    ${ending}
  `;
  const done = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
  );
  const messages = done.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { messages, code: done.code };
}

const every = Array.from({ length: LINES }, (_, i) => `line ${i}`);

describe("buffered log lines at exit", () => {
  it.each([
    ["the event loop empties", ""],
    ["process.exit() follows at once", "process.exit(0);"],
    [
      "a SIGTERM drain ends in process.exit",
      "process.once('SIGTERM', () => setTimeout(() => process.exit(0), 10)); process.kill(process.pid, 'SIGTERM');",
    ],
  ])("are all written when %s", async (_, ending) => {
    const { messages, code } = await linesWritten(ending);
    expect(code).toBe(0);
    expect(messages).toEqual(every);
  });

  it("are all written before a crash's exit", async () => {
    const { messages, code } = await linesWritten("setTimeout(() => { throw new Error('boom'); }, 0);");
    expect(code).toBe(1);
    expect(messages).toEqual(every);
  });
});
