import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const isTestSupport = (file: string) => /(\.test|\/testing|\/test-support)\.ts$/.test(file);

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory())
      return ["node_modules", "migrations", "testing"].includes(entry.name) ? [] : sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("shared/testing", () => {
  it("is imported only by tests and testing files, never by code that ships", () => {
    const offenders = ["shared", "functions", "scripts"]
      .flatMap((folder) => sources(join(root, folder)))
      .filter((file) => !isTestSupport(file))
      .filter((file) => /from\s+["'][^"']*\/testing["']/.test(readFileSync(file, "utf8")))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
