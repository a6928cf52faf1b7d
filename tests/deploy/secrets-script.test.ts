import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventProducers, publicEventJwk, secretNames } from "../../scripts/kind/secrets";
import { createEventKeyring } from "../../shared/events/keys";
import { fromRoot } from "./support/repo";

/**
 * scripts/kind/secrets.sh run for real against a fake kubectl (support/fake-kubectl.mjs) that keeps Secrets and
 * ConfigMaps as files: what it creates, keeps, rotates and drops, and in which order it applies them.
 */
const clusters: string[] = [];
afterEach(() => {
  for (const folder of clusters.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function newCluster({ keep = false } = {}): string {
  const folder = mkdtempSync(join(tmpdir(), "fake-cluster-"));
  if (!keep) clusters.push(folder);
  mkdirSync(join(folder, "bin"));
  for (const tool of ["kubectl", "kind"]) {
    const shim = join(folder, "bin", tool);
    writeFileSync(
      shim,
      `#!/bin/sh\nexec "${process.execPath}" "${fromRoot("tests/deploy/support/fake-kubectl.mjs")}" ${tool} "$@"\n`,
    );
    chmodSync(shim, 0o755);
  }
  // A running pod of every function that reads the public keys, as `kubectl get pods` lists them.
  const readers = ["customer", "dead-letters", "inventory", "notification", "order", "payment", "shipping"];
  writeFileSync(
    join(folder, "pods.txt"),
    readers.map((name) => `${name}-00001-deployment-x ${name}\n`).join(""),
  );
  return folder;
}

function run(cluster: string, args: string[] = [], env: Record<string, string> = {}) {
  const result = spawnSync("bash", [fromRoot("scripts/kind/secrets.sh"), ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      ...env,
      FAKE_CLUSTER: cluster,
      PATH: `${join(cluster, "bin")}:${process.env["PATH"]}`,
    },
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** One first run, shared: each test starts from a copy of the cluster it left. */
let seeded = "";
let firstRun = { status: null as number | null, output: "" };
beforeAll(() => {
  seeded = newCluster({ keep: true });
  firstRun = run(seeded);
}, 120_000);
afterAll(() => rmSync(seeded, { recursive: true, force: true }));
const copyOfSeeded = (): string => {
  const folder = mkdtempSync(join(tmpdir(), "fake-cluster-"));
  clusters.push(folder);
  cpSync(seeded, folder, { recursive: true });
  return folder;
};

const stored = (cluster: string, kind: string, name: string): any =>
  JSON.parse(readFileSync(join(cluster, kind, `${name}.json`), "utf8"));
const privateJwkOf = (cluster: string, producer: string): string =>
  Buffer.from(stored(cluster, "secret", `${producer}-event-key`).data["private.jwk"], "base64").toString(
    "utf8",
  );
const listedKids = (cluster: string, producer: string): string[] =>
  (JSON.parse(stored(cluster, "configmap", "event-public-keys").data[`${producer}.json`]) as any).keys.map(
    (key: any) => key.kid,
  );
const currentKid = (cluster: string, producer: string): string =>
  publicEventJwk(privateJwkOf(cluster, producer)).kid;
const logOf = (cluster: string): string[] =>
  readFileSync(join(cluster, "log.txt"), "utf8").trim().split("\n");
const clearLog = (cluster: string): void => writeFileSync(join(cluster, "log.txt"), "");

describe("scripts/kind/secrets.sh", () => {
  it("creates every Secret, and event-public-keys with each producer's key before any event-key Secret", () => {
    const cluster = seeded;
    expect(firstRun.status, firstRun.output).toBe(0);
    const log = logOf(cluster);
    for (const name of secretNames) expect(log).toContain(`apply secret ${name}`);
    const configMapAt = log.indexOf("apply configmap event-public-keys");
    for (const producer of eventProducers) {
      expect(log.indexOf(`apply secret ${producer}-event-key`)).toBeGreaterThan(configMapAt);
      expect(listedKids(cluster, producer)).toEqual([currentKid(cluster, producer)]);
    }
    // What the functions read: the ConfigMap's files in a folder, as a volume shows them.
    const volume = mkdtempSync(join(tmpdir(), "event-keys-"));
    clusters.push(volume);
    for (const [file, text] of Object.entries(stored(cluster, "configmap", "event-public-keys").data))
      writeFileSync(join(volume, file), text as string);
    const keyring = createEventKeyring(volume);
    for (const producer of eventProducers)
      expect(keyring.find(currentKid(cluster, producer))?.producer).toBe(producer);
  }, 120_000);

  it("keeps everything on a second run, and makes a lost ConfigMap again from the Secrets", () => {
    const cluster = copyOfSeeded();
    const before = stored(cluster, "configmap", "event-public-keys");
    clearLog(cluster);
    const again = run(cluster);
    expect(again.status, again.output).toBe(0);
    expect(readFileSync(join(cluster, "log.txt"), "utf8")).toBe("");
    expect(again.output).toContain("event-public-keys: lists the key of every producer, kept");

    rmSync(join(cluster, "configmap", "event-public-keys.json"));
    expect(run(cluster).status).toBe(0);
    expect(stored(cluster, "configmap", "event-public-keys")).toEqual(before);
    expect(logOf(cluster)).toEqual(["apply configmap event-public-keys"]);
  }, 120_000);

  it("rotates an event key: the new public key beside the old, then the Secret, then the producer's revision", () => {
    const cluster = copyOfSeeded();
    const oldKid = currentKid(cluster, "order");
    const others = Object.fromEntries(
      eventProducers.filter((p) => p !== "order").map((p) => [p, privateJwkOf(cluster, p)]),
    );
    clearLog(cluster);

    const { status, output } = run(cluster, ["--rotate", "order-event-key"]);
    expect(status, output).toBe(0);
    const newKid = currentKid(cluster, "order");
    expect(newKid).not.toBe(oldKid);
    expect(listedKids(cluster, "order")).toEqual([oldKid, newKid]);
    expect(logOf(cluster)).toEqual([
      "apply configmap event-public-keys",
      "apply secret order-event-key",
      "patch ksvc order",
    ]);
    for (const [producer, jwk] of Object.entries(others)) expect(privateJwkOf(cluster, producer)).toBe(jwk);
    expect(output).toContain(oldKid);
    expect(output).toContain("scripts/kind/secrets.sh --drop-old-keys order-event-key");

    clearLog(cluster);
    const drop = run(cluster, ["--drop-old-keys", "order-event-key"]);
    expect(drop.status, drop.output).toBe(0);
    expect(listedKids(cluster, "order")).toEqual([newKid]);
    expect(logOf(cluster)).toEqual(["apply configmap event-public-keys"]);
    expect(drop.output).toContain(`dropped the public key ${oldKid} of order`);
  }, 120_000);

  it("does not switch the Secret while a running pod does not see the new public key yet", () => {
    const cluster = copyOfSeeded();
    const before = privateJwkOf(cluster, "payment");
    const { status, output } = run(cluster, ["--rotate", "payment-event-key"], {
      FAKE_STALE_VOLUMES: "1",
      EVENT_KEYS_PROPAGATION_TIMEOUT: "0",
    });
    expect(status).not.toBe(0);
    expect(output).toContain("the Secret payment-event-key was NOT replaced");
    expect(privateJwkOf(cluster, "payment")).toBe(before);
    expect(listedKids(cluster, "payment")).toHaveLength(2);
  }, 120_000);

  it.each([
    [["--rotate", "admin-credentials"], /change it through the API/],
    [["--rotate", "nope"], /usage/],
    [["--drop-old-keys", "sqld-auth"], /usage/],
    [["--whatever"], /usage/],
  ])("refuses %j before touching the cluster", (args, message) => {
    const cluster = newCluster();
    const { status, output } = run(cluster, args);
    expect(status).not.toBe(0);
    expect(output).toMatch(message);
  });
});
