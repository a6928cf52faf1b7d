/**
 * The size of each function's bundle (dist/<name>/bundle.js, what every start reads) and of the files bundled
 * apart (scripts/bundles-apart.ts), which a start reads only when its configuration asks for them.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { functionNames, type ServiceName } from "../../shared/config/services";
import { bundlesApart } from "../bundles-apart";
import { codeOf, distDir } from "./bundles";

export interface BundleSizes {
  functions: { service: ServiceName; bytes: number }[];
  apart: { file: string; what: string; bytes: number }[];
}

export function measureBundleSizes(): BundleSizes {
  return {
    functions: functionNames.map((service) => ({ service, bytes: statSync(codeOf(service)).size })),
    apart: bundlesApart
      .filter(({ file }) => existsSync(join(distDir, file)))
      .map(({ file, what }) => ({ file, what, bytes: statSync(join(distDir, file)).size })),
  };
}
