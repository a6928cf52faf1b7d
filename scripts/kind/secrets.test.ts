import { execFileSync } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadSigningKey } from "../../shared/auth/keys";
import {
  adminCredentials,
  customerSigningKey,
  databaseFunctions,
  generateSecret,
  rootDir,
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
