import { describe, expect, it } from "vitest";
import { parseOptions, UsageError } from "./options";

describe("parseOptions", () => {
  it("runs on the original ports without watching by default", () => {
    expect(parseOptions([])).toEqual({ watch: false, portOffset: 0, replicas: 1 });
  });

  it("reads --watch and --port-offset", () => {
    expect(parseOptions(["--watch", "--port-offset=10000"])).toEqual({
      watch: true,
      portOffset: 10_000,
      replicas: 1,
    });
    expect(parseOptions(["--port-offset", "5"])).toEqual({ watch: false, portOffset: 5, replicas: 1 });
  });

  it("reads --replicas, which leaves less room for the offset", () => {
    expect(parseOptions(["--replicas=2"])).toEqual({ watch: false, portOffset: 0, replicas: 2 });
    expect(parseOptions(["--replicas", "8", "--port-offset=55200"])).toMatchObject({ replicas: 8 });
    expect(() => parseOptions(["--replicas=8", "--port-offset=55201"])).toThrow(UsageError);
  });

  it.each([
    ["--port-offset=-1"],
    ["--port-offset=1.5"],
    ["--port-offset=abc"],
    ["--port-offset=60000"],
    ["--replicas=0"],
    ["--replicas=9"],
    ["--replicas=two"],
    ["--scale=2"],
  ])("refuses %s", (arg) => {
    expect(() => parseOptions([arg])).toThrow(UsageError);
  });
});
