/**
 * What building one error costs inside a bundle, as a function builds it: shared/errors bundled and minified
 * as scripts/build.ts does, compiled as a script the way the bundles' loader does, each error built 20 calls
 * deep (a handler under the middleware), with its stack read afterwards and without. The best of 7 rounds.
 *
 *   tsx scripts/bench/error-cost.ts
 */
import { Script } from "node:vm";
import { build } from "esbuild";
import { rootDir } from "../dev/services";

const measured = `
import { Conflict, Invalid, NotFound, Unavailable } from "./shared/errors";
const deep = (n, make) => (n === 0 ? make() : deep(n - 1, make));
const costOf = (make, readStack) => {
  const use = () => { const error = deep(20, make); return readStack ? error.stack.length : error.message.length; };
  let best = Infinity, sink = 0;
  for (let i = 0; i < 2000; i++) sink += use();
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 5000; i++) sink += use();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000 / 5000);
  }
  return sink < 0 ? NaN : best;
};
const kinds = {
  "NotFound (expected)": () => new NotFound("order 42 not found"),
  "Invalid (expected)": () => new Invalid("quantity must be positive", { issues: [{ field: "quantity", message: "too small" }] }),
  "Conflict (expected)": () => new Conflict("email taken"),
  "Unavailable (unexpected)": () => new Unavailable("inventory is unavailable"),
  "Error (unexpected)": () => new Error("plain"),
};
for (const [name, make] of Object.entries(kinds))
  console.log(name.padEnd(26), costOf(make, false).toFixed(2).padStart(6), "µs", costOf(make, true).toFixed(2).padStart(6), "µs with .stack read");
`;

const { outputFiles } = await build({
  stdin: { contents: measured, resolveDir: rootDir, loader: "ts" },
  bundle: true,
  platform: "node",
  format: "cjs",
  minifySyntax: true,
  minifyWhitespace: true,
  write: false,
  logLevel: "warning",
});
const code = outputFiles[0]?.text ?? "";
console.log(`Node ${process.version}; per error, built 20 calls deep:`);
new Script(code, { filename: "error-cost.js" }).runInThisContext();
