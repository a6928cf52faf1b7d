import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { format, resolveConfig } from "prettier";
import { rootDir } from "../dev/services";
import type { BundleSizes } from "./bundle-sizes";
import type { ColdStartResult } from "./cold-start";
import type { FloorResult } from "./floor";
import type { HttpCase } from "./http-paths";
import type { Machine } from "./machine";
import type { PipelineResult } from "./pipeline";
import type { PublishCeiling } from "./rabbitmq";
import type { SignatureResult } from "./signatures";

/** A part that ran, with when, or why it did not. */
export type Part<T> = { measuredAt: string; value: T } | { measuredAt: string; skipped: string };

export interface BenchResults {
  machine: Machine;
  /** Load average over one minute when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
  command: string;
  http?: Part<{ settings: string; cases: HttpCase[] }>;
  embedded?: Part<PipelineResult>;
  /** What the saga's hops cost with bare node:http and libSQL: the bound under any implementation. */
  floor?: Part<FloorResult>;
  /** What signing and verifying an order's events costs, against the embedded pipeline's CPU per order. */
  signatures?: Part<SignatureResult>;
  rabbitmq?: Part<PipelineResult>;
  rabbitPublish?: Part<PublishCeiling>;
  coldStart?: Part<ColdStartResult>;
  /** Each function's bundle and the files bundled apart, in bytes. */
  bundles?: Part<BundleSizes>;
}

export const outputDir = join(rootDir, "docs", "benchmarks");
export const resultsFile = join(outputDir, "results.json");
export const chartFile = join(outputDir, "chart.svg");
export const reportFile = join(rootDir, "BENCHMARKS.md");

/** Earlier results, so a run of some parts (--only) keeps the figures of the others. */
export function loadResults(): Partial<BenchResults> {
  return existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, "utf8")) as BenchResults) : {};
}

/** Writes a file as `npm run lint` (prettier --check) expects it, so a benchmark run leaves the tree clean. */
export async function writeFormatted(file: string, text: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
}

export const saveResults = (results: BenchResults): Promise<void> =>
  writeFormatted(resultsFile, JSON.stringify(results, null, 2));

export const ran = <T>(part: Part<T> | undefined): T | undefined =>
  part && "value" in part ? part.value : undefined;
