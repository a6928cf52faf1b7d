import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { BatchedWriter } from "./stdout";

describe("batched log writer", () => {
  const dir = mkdtempSync(join(tmpdir(), "batched-writer-"));
  const file = join(dir, "out.log");
  let fd = -1;
  afterEach(() => closeSync(fd));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const open = () => (fd = openSync(file, "w"));
  const written = () => readFileSync(file, "utf8");

  it("holds lines until a batch is full, then writes them at once and in order", () => {
    const writer = new BatchedWriter(open(), 30, 60_000);
    writer.write("line 1 of 3\n");
    writer.write("line 2 of 3\n");
    expect(written()).toBe("");
    writer.write("line 3 of 3\n");
    expect(written()).toBe("line 1 of 3\nline 2 of 3\nline 3 of 3\n");
  });

  it("writes a quiet process's lines after the delay, and on flush", async () => {
    const writer = new BatchedWriter(open(), 16_384, 20);
    writer.write("alone\n");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(written()).toBe("alone\n");
    writer.write("flushed ✓\n");
    writer.flush();
    expect(written()).toBe("alone\nflushed ✓\n");
  });
});
