import { execFileSync } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { loadSigningKey } from "../../shared/auth/keys";
import { producers } from "../../shared/events/catalog";
import { createEventKeyring, loadEventSigningKey } from "../../shared/events/keys";
import {
  adminCredentials,
  customerSigningKey,
  databaseFunctions,
  eventKey,
  eventKeySecretOf,
  eventProducers,
  eventPublicKeys,
  generateSecret,
  publicEventJwk,
  rootDir,
  secretNames,
  sqldAuth,
  writeSecret,
} from "./secrets";

const decode = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

/** Verifies a JWT as sqld does: EdDSA over "header.payload" with the database's public key. */
function verifies(token: string, publicPem: string): boolean {
  const [header = "", payload = "", signature = ""] = token.split(".");
  return verify(
    null,
    Buffer.from(`${header}.${payload}`),
    createPublicKey(publicPem),
    Buffer.from(signature, "base64url"),
  );
}

const folders: string[] = [];
const tempFolder = (): string => {
  const folder = mkdtempSync(join(tmpdir(), "secrets-"));
  folders.push(folder);
  return folder;
};
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe("sqld-auth", () => {
  it("covers every function with a database, and only those", () => {
    const databases = databaseFunctions();
    expect(databases).toContain("order");
    expect(databases).not.toContain("gateway");
    expect(Object.keys(sqldAuth()).sort()).toEqual(
      databases.flatMap((name) => [`${name}.pub`, `${name}.token`]).sort(),
    );
  });

  it("gives each database a token that its own public key accepts and no other database's does", () => {
    const data = sqldAuth(["order", "payment"]);
    expect(data["order.pub"]).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(verifies(data["order.token"]!, data["order.pub"]!)).toBe(true);
    expect(verifies(data["order.token"]!, data["payment.pub"]!)).toBe(false);
  });

  it("makes tokens sqld takes: EdDSA, read-write, no audience to trip its validation", () => {
    const [header = "", payload = ""] = sqldAuth(["order"])["order.token"]!.split(".");
    expect(decode(header)).toEqual({ alg: "EdDSA", typ: "JWT" });
    expect(decode(payload)).toEqual({ a: "rw", iat: expect.any(Number) });
  });

  it("keeps no private key", () => {
    expect(Object.values(sqldAuth(["order"])).join("\n")).not.toContain("PRIVATE KEY");
  });
});

describe("customer-signing-key", () => {
  it("is an Ed25519 private JWK the customer function can sign with", async () => {
    const jwk = customerSigningKey()["private.jwk"]!;
    const key = await loadSigningKey({ privateJwk: jwk, dataDir: tempFolder() });
    expect(key.publicJwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(key.publicJwk).not.toHaveProperty("d");
  });
});

describe("<producer>-event-key", () => {
  it("is one Secret per function that emits events, named after it", () => {
    expect(eventProducers).toEqual([...producers].sort());
    expect(eventProducers).toEqual(["customer", "inventory", "order", "payment", "shipping"]);
    for (const producer of eventProducers) expect(secretNames).toContain(eventKeySecretOf(producer));
    expect(Object.keys(generateSecret("order-event-key"))).toEqual(["private.jwk"]);
  });

  it("is an Ed25519 private JWK the producer signs with, its kid the RFC 7638 thumbprint of its public half", async () => {
    const text = eventKey()["private.jwk"]!;
    const jwk = JSON.parse(text) as Record<string, string>;
    expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", d: expect.any(String), x: expect.any(String) });
    const key = loadEventSigningKey({
      producer: "order",
      privateJwk: text,
      dataDir: tempFolder(),
      keysDir: tempFolder(),
    });
    const thumbprint = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: jwk["x"]! });
    expect(key.kid).toBe(thumbprint);
    expect(jwk["kid"]).toBe(thumbprint);
    expect(publicEventJwk(text)).toEqual({ kty: "OKP", crv: "Ed25519", x: jwk["x"], kid: thumbprint });
    expect(eventKey()["private.jwk"]).not.toBe(text);
  });

  it("gives its public half with the key id computed (a wrong kid in the Secret does not carry over)", () => {
    const jwk = JSON.parse(eventKey()["private.jwk"]!) as Record<string, string>;
    const public_ = publicEventJwk(JSON.stringify({ ...jwk, kid: "someone-else" }));
    expect(public_.kid).toBe(jwk["kid"]);
    expect(public_).not.toHaveProperty("d");
  });

  it("refuses what is not an Ed25519 private JWK, without quoting it", () => {
    expect(() => publicEventJwk("not json d=SECRET")).toThrow(/not valid JSON/);
    expect(() => publicEventJwk("not json d=SECRET")).not.toThrow(/SECRET/);
    const { d: _private, ...publicOnly } = JSON.parse(eventKey()["private.jwk"]!) as Record<string, string>;
    expect(() => publicEventJwk(JSON.stringify(publicOnly))).toThrow(/not an Ed25519 private JWK/);
  });
});

describe("event-public-keys", () => {
  const privates = (): Record<string, string> =>
    Object.fromEntries(eventProducers.map((producer) => [producer, eventKey()["private.jwk"]!]));
  const kidsIn = (files: Record<string, string>, producer: string): string[] =>
    (JSON.parse(files[`${producer}.json`]!) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
  const kidOf = (privateJwk: string): string => publicEventJwk(privateJwk).kid;

  it("lists each producer's current public key in <producer>.json, a JWKS the functions' keyring reads", () => {
    const keys = privates();
    const { files, changes } = eventPublicKeys({}, keys);
    expect(Object.keys(files).sort()).toEqual(eventProducers.map((producer) => `${producer}.json`));
    for (const producer of eventProducers) {
      expect(kidsIn(files, producer)).toEqual([kidOf(keys[producer]!)]);
      expect(changes).toContainEqual({ change: "added", producer, kid: kidOf(keys[producer]!) });
    }
    expect(Object.values(files).join("\n")).not.toContain('"d"');
    const folder = tempFolder();
    writeSecret(files, join(folder, "volume"));
    // A ConfigMap volume's own entries beside the keys are ignored.
    writeFileSync(join(folder, "volume", "..data"), "");
    const keyring = createEventKeyring(join(folder, "volume"));
    for (const producer of eventProducers)
      expect(keyring.find(kidOf(keys[producer]!))?.producer).toBe(producer);
  });

  it("keeps what is listed and adds a new key after it (a rotation), changing nothing when all are there", () => {
    const keys = privates();
    const first = eventPublicKeys({}, keys).files;
    expect(eventPublicKeys(first, keys)).toEqual({ files: first, changes: [] });

    const rotated = { ...keys, order: eventKey()["private.jwk"]! };
    const { files, changes } = eventPublicKeys(first, rotated);
    expect(kidsIn(files, "order")).toEqual([kidOf(keys["order"]!), kidOf(rotated["order"])]);
    expect(changes).toEqual([
      { change: "added", producer: "order", kid: kidOf(rotated["order"]) },
      { change: "old", producer: "order", kid: kidOf(keys["order"]!) },
    ]);
    for (const producer of eventProducers.filter((p) => p !== "order"))
      expect(files[`${producer}.json`]).toBe(first[`${producer}.json`]);

    const dropped = eventPublicKeys(files, rotated, { dropOld: "order" });
    expect(kidsIn(dropped.files, "order")).toEqual([kidOf(rotated["order"])]);
    expect(dropped.changes).toEqual([{ change: "dropped", producer: "order", kid: kidOf(keys["order"]!) }]);
  });

  it("leaves entries of other names alone, and refuses a broken entry or a producer without a key", () => {
    const keys = privates();
    expect(eventPublicKeys({ "README.txt": "x" }, keys).files["README.txt"]).toBe("x");
    expect(() => eventPublicKeys({ "order.json": "{" }, keys)).toThrow(/order.json is not JSON/);
    expect(() => eventPublicKeys({ "order.json": "{}" }, keys)).toThrow(/order.json is not a JWKS/);
    const { payment: _missing, ...withoutPayment } = keys;
    expect(() => eventPublicKeys({}, withoutPayment)).toThrow(/no private event key for payment/);
  });
});

describe("admin-credentials", () => {
  it("is a fresh long password each time, for the given email", () => {
    const first = adminCredentials("boss@shop.example");
    expect(first.email).toBe("boss@shop.example");
    expect(first.password!.length).toBeGreaterThanOrEqual(24);
    expect(adminCredentials().password).not.toBe(first.password);
  });

  it("takes ADMIN_EMAIL from the environment", () => {
    expect(generateSecret("admin-credentials", { ADMIN_EMAIL: "ops@shop.example" }).email).toBe(
      "ops@shop.example",
    );
    expect(generateSecret("admin-credentials", {}).email).toBe("admin@bazaar.local");
  });
});

describe("the command line", () => {
  it("writes one owner-only file per key, ready for kubectl create secret --from-file", () => {
    const folder = join(tempFolder(), "sqld-auth");
    execFileSync(process.execPath, ["--import", "tsx", "scripts/kind/secrets.ts", "sqld-auth", folder], {
      cwd: rootDir,
    });
    const files = readdirSync(folder).sort();
    expect(files).toEqual(Object.keys(sqldAuth()).sort());
    for (const file of files) expect(statSync(join(folder, file)).mode & 0o777).toBe(0o600);
    expect(
      verifies(
        readFileSync(join(folder, "order.token"), "utf8"),
        readFileSync(join(folder, "order.pub"), "utf8"),
      ),
    ).toBe(true);
  });

  it("merges event-public-keys from the ConfigMap and the private keys, printing each change", () => {
    const folder = tempFolder();
    const privateKeys = join(folder, "private");
    const keys = Object.fromEntries(
      eventProducers.map((producer) => [`${producer}.jwk`, eventKey()["private.jwk"]!]),
    );
    writeSecret(keys, privateKeys);
    writeFileSync(join(folder, "configmap.json"), "{}");
    const cli = (...args: string[]): string =>
      execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "scripts/kind/secrets.ts",
          "event-public-keys",
          join(folder, "configmap.json"),
          privateKeys,
          ...args,
        ],
        { cwd: rootDir, encoding: "utf8", stdio: "pipe" },
      );
    const printed = cli(join(folder, "out"));
    expect(readdirSync(join(folder, "out")).sort()).toEqual(
      eventProducers.map((producer) => `${producer}.json`),
    );
    expect(printed.trim().split("\n")).toEqual(
      eventProducers.map((producer) => `added ${producer} ${publicEventJwk(keys[`${producer}.jwk`]!).kid}`),
    );
    const data = Object.fromEntries(
      readdirSync(join(folder, "out")).map((file) => [file, readFileSync(join(folder, "out", file), "utf8")]),
    );
    writeFileSync(join(folder, "configmap.json"), JSON.stringify({ kind: "ConfigMap", data }));
    expect(cli(join(folder, "again"))).toBe("");
    expect(() => cli(join(folder, "x"), "--drop-old", "gateway")).toThrow(/not a producer/);
  });

  it("refuses to overwrite a file and rejects an unknown secret", () => {
    const folder = tempFolder();
    writeSecret({ a: "1" }, folder);
    expect(() => writeSecret({ a: "2" }, folder)).toThrow(/EEXIST/);
    expect(() =>
      execFileSync(process.execPath, ["--import", "tsx", "scripts/kind/secrets.ts", "nope", folder], {
        cwd: rootDir,
        stdio: "pipe",
      }),
    ).toThrow(/usage/);
  });
});
