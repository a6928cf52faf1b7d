import { describe, expect, it } from "vitest";
import { cpuSecondsOf, parseWrkOutput } from "./wrk";

describe("parseWrkOutput", () => {
  it("reads the JSON line that wrk-report.lua prints after wrk's own text", () => {
    const output = [
      "Running 3s test @ http://127.0.0.1:18999/",
      "  1 threads and 32 connections",
      "Requests/sec:  77282.79",
      'WRK_JSON {"requests":231948,"duration_us":3001289,"connect":0,"read":0,"write":0,"status":2,' +
        '"timeout":1,"p50_us":349,"p99_us":5004}',
      "",
    ].join("\n");
    expect(parseWrkOutput(output)).toMatchObject({ requests: 231948, status: 2, timeout: 1, p99_us: 5004 });
  });

  it("says what wrk printed when the summary is missing", () => {
    expect(() => parseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused")).toThrow(
      /no summary:\nunable to connect/,
    );
  });
});

describe("cpuSecondsOf", () => {
  it("reads this process's CPU time from /proc, growing as it works", () => {
    const before = cpuSecondsOf(process.pid);
    const until = performance.now() + 50;
    while (performance.now() < until) Math.sqrt(Math.random());
    expect(cpuSecondsOf(process.pid)).toBeGreaterThanOrEqual(before);
    expect(before).toBeGreaterThan(0);
  });
});
