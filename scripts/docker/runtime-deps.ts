/**
 * The image's whole node_modules: the packages the bundles still load at run time (scripts/build.ts keeps
 * libSQL's driver out of the bundles) and everything they depend on, exactly as npm installed them
 * from the lockfile. The Dockerfile's build stage runs it; tests/deploy runs it too.
 *
 *   tsx scripts/docker/runtime-deps.ts <out>      copies them to <out>/node_modules
 *
 * Left out: a native package built for the other libc (the musl driver on a glibc image), and packages of
 * type declarations only (@types/*, undici-types), which some list as dependencies but nothing loads.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const rootDir = resolve(import.meta.dirname, "../..");

/**
 * What the bundles require at run time (build.ts reads this); the rest of their dependencies is inlined.
 * The bundles load `libsql` (shared/db/local-client.ts), whose loader picks its native driver from the
 * platform packages it depends on (and needs @neon-rs/load and detect-libc to do so): all of them come with it.
 */
export const runtimeRoots = ["libsql"];

interface InstalledPackage {
  name: string;
  version: string;
  location: string;
  libc?: string[];
  /** Prebuilt Rust drivers (libsql's) say their libc here rather than in `libc`: gnu, musl, gnueabihf, musleabihf. */
  neon?: { abi?: string };
  main?: string;
  exports?: unknown;
  types?: string;
  typings?: string;
}

const isTypesOnly = (found: InstalledPackage): boolean =>
  found.name.startsWith("@types/") ||
  (Boolean(found.types ?? found.typings) && !found.main && !found.exports);

const currentLibc = (): "glibc" | "musl" => {
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header?.glibcVersionRuntime ? "glibc" : "musl";
};

/** The installed packages the runtime roots need, found with `npm query` over the installed tree. */
export function runtimePackages(root = rootDir, roots = runtimeRoots): InstalledPackage[] {
  const ids = roots.map((name) => `#${name}`);
  const selector = `:is(${[...ids, ...ids.map((id) => `${id} *`)].join(", ")})`;
  const output = execFileSync("npm", ["query", selector], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const libc = currentLibc();
  const abi = libc === "glibc" ? "gnu" : "musl";
  const packages = (JSON.parse(output) as InstalledPackage[]).filter(
    (found) =>
      !isTypesOnly(found) &&
      (!found.libc || found.libc.includes(libc)) &&
      (!found.neon?.abi || found.neon.abi.startsWith(abi)),
  );
  const missing = roots.filter((name) => !packages.some((found) => found.name === name));
  if (missing.length > 0) throw new Error(`not installed: ${missing.join(", ")} (run npm ci first)`);
  return packages;
}

export function copyRuntimePackages(out: string, root = rootDir): InstalledPackage[] {
  const packages = runtimePackages(root);
  for (const found of packages) {
    const source = join(root, found.location);
    if (!existsSync(source)) throw new Error(`${found.name} is not at ${found.location}`);
    cpSync(source, join(out, found.location), { recursive: true, dereference: true });
  }
  return packages;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write("usage: tsx scripts/docker/runtime-deps.ts <out>\n");
    process.exit(64); // EX_USAGE
  }
  const packages = copyRuntimePackages(resolve(out));
  process.stdout.write(
    `runtime node_modules: ${packages.map((found) => `${found.name}@${found.version}`).join(", ")}\n`,
  );
}
