/**
 * One bundled file per function (plus the dev broker) under dist/<name>/index.js, with the function's
 * migrations copied beside it: the image starts `node dist/<name>/index.js` with no TypeScript and no
 * module resolution to walk, which keeps cold starts short.
 */
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { availableServices, entryOf, rootDir } from "./dev/services";

const outRoot = join(rootDir, "dist");
rmSync(outRoot, { recursive: true, force: true });

for (const service of availableServices()) {
  const outdir = join(outRoot, service);
  await build({
    entryPoints: { index: entryOf(service) },
    outdir,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    sourcemap: "linked",
    minifySyntax: true,
    // libSQL's native driver is loaded at run time from node_modules; everything else is inlined.
    external: ["@libsql/client", "libsql", "@libsql/*"],
    // ESM bundles of CommonJS dependencies still call require().
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  const migrations = join(rootDir, "functions", service, "src/db/migrations");
  if (existsSync(migrations)) cpSync(migrations, join(outdir, "migrations"), { recursive: true });
  console.log(`built dist/${service}/index.js`);
}
