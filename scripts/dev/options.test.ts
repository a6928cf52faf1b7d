import { describe, expect, it } from "vitest";
import { parseOptions, UsageError } from "./options";

describe("parseOptions", () => {
  it("runs on the original ports without watching by default", () => {
    expect(parseOptions([])).toEqual({ watch: false, portOffset: 0 });
  });

  it("reads --watch and --port-offset", () => {
    expect(parseOptions(["--watch", "--port-offset=10000"])).toEqual({ watch: true, portOffset: 10_000 });
    expect(parseOptions(["--port-offset", "5"])).toEqual({ watch: false, portOffset: 5 });
  });

  it.each([
    ["--port-offset=-1"],
    ["--port-offset=1.5"],
    ["--port-offset=abc"],
    ["--port-offset=60000"],
    ["--replicas=2"],
  ])("refuses %s", (arg) => {
    expect(() => parseOptions([arg])).toThrow(UsageError);
  });
});
