// A stand-in for kubectl (and kind) with just the verbs scripts/kind/secrets.sh uses, over a folder of JSON
// files ($FAKE_CLUSTER): secret/<name>.json, configmap/<name>.json, pods.txt ("<pod> <service>" lines for
// `get pods`), and log.txt, one line per change it was asked for. Plain JavaScript: it starts many times per run.
//
// `exec <pod> -- cat /event-keys/<file>` answers from the ConfigMap as stored, like a kubelet that has caught up;
// with FAKE_STALE_VOLUMES set it answers with the ConfigMap as it was before the first change (one that never does).
import { Buffer } from "node:buffer";
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import process from "node:process";

const cluster = process.env.FAKE_CLUSTER;
if (!cluster) throw new Error("FAKE_CLUSTER is not set");

const fileOf = (kind, name) => join(cluster, kind, `${name}.json`);
const read = (kind, name) =>
  existsSync(fileOf(kind, name)) ? JSON.parse(readFileSync(fileOf(kind, name), "utf8")) : undefined;
const log = (line) => appendFileSync(join(cluster, "log.txt"), `${line}\n`);
const notFound = (kind, name) => {
  process.stderr.write(`Error from server (NotFound): ${kind}s "${name}" not found\n`);
  process.exit(1);
};

/** Flags and their values out, positional words left. */
function parse(argv) {
  const flags = {};
  const words = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    const long = /^--([\w-]+)=(.*)$/s.exec(arg);
    if (long) flags[long[1]] = long[2];
    else if (["-n", "-o", "-l", "-f", "-p", "-c", "--context", "--type"].includes(arg))
      flags[arg] = argv[++i];
    else words.push(arg);
  }
  return { flags, words };
}

const [tool, ...rest] = process.argv.slice(2);
if (tool === "kind") {
  if (rest.join(" ") === "get clusters") process.stdout.write("bazaar\n");
  process.exit(0);
}

const { flags, words } = parse(rest);
const [verb, ...args] = words;
const output = flags["-o"] ?? "";

function fromFiles(folder, encode) {
  return Object.fromEntries(
    readdirSync(folder).map((file) => [file, encode(readFileSync(join(folder, file), "utf8"))]),
  );
}

switch (verb) {
  case "version":
    process.exit(0);
    break;
  case "get": {
    const [kind, name] = args;
    if (flags["--raw"] !== undefined || kind === "--raw" || args.includes("/readyz")) process.exit(0);
    if (kind === "pods") {
      const pods = join(cluster, "pods.txt");
      process.stdout.write(existsSync(pods) ? readFileSync(pods, "utf8") : "");
      break;
    }
    if (kind === "ksvc") break;
    const object = read(kind, name);
    if (!object) notFound(kind, name);
    if (output === "json") process.stdout.write(JSON.stringify(object));
    else if (output.startsWith("go-template=")) {
      const key = /index \.data "([^"]+)" \| base64decode/.exec(output)?.[1];
      process.stdout.write(Buffer.from(object.data[key], "base64").toString("utf8"));
    }
    break;
  }
  case "create": {
    const [kind, ...more] = args;
    const name = kind === "secret" ? more[1] : more[0];
    const folder = flags["from-file"];
    if (flags["dry-run"] !== "client") throw new Error("only --dry-run=client creates are faked");
    const data =
      kind === "secret"
        ? fromFiles(folder, (text) => Buffer.from(text).toString("base64"))
        : fromFiles(folder, (text) => text);
    const object = {
      apiVersion: "v1",
      kind: kind === "secret" ? "Secret" : "ConfigMap",
      metadata: { name },
      data,
    };
    process.stdout.write(JSON.stringify(object)); // YAML is a superset of JSON
    break;
  }
  case "apply": {
    // Not readFileSync(0): a pipe left non-blocking by its writer answers EAGAIN to a synchronous read.
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const object = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const kind = object.kind.toLowerCase();
    mkdirSync(join(cluster, kind), { recursive: true });
    const before = join(cluster, "volumes-before.json");
    if (kind === "configmap" && !existsSync(before))
      writeFileSync(before, JSON.stringify(read(kind, object.metadata.name) ?? { data: {} }));
    writeFileSync(fileOf(kind, object.metadata.name), JSON.stringify(object));
    log(`apply ${kind} ${object.metadata.name}`);
    break;
  }
  case "exec": {
    const path = words.at(-1);
    const before = join(cluster, "volumes-before.json");
    const configMap =
      process.env.FAKE_STALE_VOLUMES && existsSync(before)
        ? JSON.parse(readFileSync(before, "utf8"))
        : read("configmap", "event-public-keys");
    const text = configMap?.data?.[basename(path)];
    if (text === undefined) process.exit(1);
    process.stdout.write(text);
    break;
  }
  case "patch":
    log(`patch ${args.join(" ")}`);
    break;
  case "rollout":
    log(`rollout ${args.join(" ")}`);
    break;
  default:
    throw new Error(`fake kubectl: ${verb} is not faked`);
}
