import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createEventKeyring,
  defaultEventKeysDir,
  generateEventKey,
  loadEventSigningKey,
  publishPublicKey,
} from "./keys";
import { refusalOf, signEvent } from "./signature";
import type { WireEvent } from "./wire";

const freshDir = () => mkdtempSync(join(tmpdir(), "bazaar-keys-"));
const event = (): WireEvent => ({
  attributes: {
    specversion: "1.0",
    id: "e-1",
    source: "/bazaar/order",
    type: "bazaar.order.cancelled",
    datacontenttype: "application/json",
  },
  data: new TextEncoder().encode('{"order_id":1}'),
});

describe("loadEventSigningKey", () => {
  it("generates a key on first start, keeps it private under DATA_DIR and publishes its public half", () => {
    const dataDir = freshDir();
    const keysDir = defaultEventKeysDir(dataDir);
    const first = loadEventSigningKey({ producer: "order", dataDir, keysDir });
    const again = loadEventSigningKey({ producer: "order", dataDir, keysDir });
    expect(again.kid).toBe(first.kid);
    expect(statSync(join(dataDir, "keys", "order-event-key.json")).mode & 0o777).toBe(0o600);
    const published = JSON.parse(readFileSync(join(keysDir, "order.json"), "utf8")) as { keys: object[] };
    expect(published.keys).toEqual([first.publicJwk]);
    expect(JSON.stringify(published)).not.toContain('"d"');
    expect(createEventKeyring(keysDir).find(first.kid)?.producer).toBe("order");
  });

  it("takes EVENT_PRIVATE_JWK as given and publishes nothing (the operator does)", () => {
    const dataDir = freshDir();
    const keysDir = defaultEventKeysDir(dataDir);
    const { privateJwk, publicJwk } = generateEventKey();
    const key = loadEventSigningKey({
      producer: "payment",
      privateJwk: JSON.stringify(privateJwk),
      dataDir,
      keysDir,
    });
    expect(key.kid).toBe(publicJwk.kid);
    expect(createEventKeyring(keysDir).find(key.kid)).toBeUndefined();
  });

  it("refuses a private key that is not an Ed25519 JWK, without quoting it", () => {
    const dataDir = freshDir();
    const attempt = (privateJwk: string) => () =>
      loadEventSigningKey({ producer: "order", privateJwk, dataDir, keysDir: dataDir });
    expect(attempt("secret-not-json")).toThrow(/^EVENT_PRIVATE_JWK is not valid JSON/);
    expect(attempt("secret-not-json")).not.toThrow(/secret-not-json/);
    expect(attempt('{"kty":"RSA"}')).toThrow("EVENT_PRIVATE_JWK must be an Ed25519 private JWK");
  });
});

describe("createEventKeyring", () => {
  it("finds a key published after it was created (a producer that started later, a rotation) at once", () => {
    const keysDir = freshDir();
    const keyring = createEventKeyring(keysDir);
    const { publicJwk } = generateEventKey();
    expect(keyring.find(publicJwk.kid)).toBeUndefined();
    publishPublicKey(keysDir, "shipping", publicJwk);
    expect(keyring.find(publicJwk.kid)?.producer).toBe("shipping");
  });

  it("does not read the folder again for an unknown key id while nothing in it changed", () => {
    const keysDir = freshDir();
    publishPublicKey(keysDir, "order", generateEventKey().publicJwk);
    const keyring = createEventKeyring(keysDir);
    // A file that would break a read: an unchanged folder is not read, so the keyring does not notice.
    writeFileSync(join(keysDir, "payment.json.tmp"), "{not json");
    for (let i = 0; i < 1000; i++) expect(keyring.find(`made-up-${i}`)).toBeUndefined();
  });

  it("forgets a key dropped from the folder within a minute, without a restart", () => {
    let clock = 0;
    const keysDir = freshDir();
    const { publicJwk } = generateEventKey();
    publishPublicKey(keysDir, "order", publicJwk);
    const keyring = createEventKeyring(keysDir, () => clock);
    writeFileSync(join(keysDir, "order.json"), JSON.stringify({ keys: [] }));
    clock = 30_000;
    expect(keyring.find(publicJwk.kid)?.producer).toBe("order");
    clock = 61_000;
    expect(keyring.find(publicJwk.kid)).toBeUndefined();
  });

  it("reads a ConfigMap volume: <producer>.json links beside ..data, other names ignored", () => {
    const keysDir = freshDir();
    const data = join(keysDir, "..2026_12_02");
    mkdirSync(data);
    const order = generateEventKey().publicJwk;
    const stranger = generateEventKey().publicJwk;
    writeFileSync(join(data, "order.json"), JSON.stringify({ keys: [order] }));
    writeFileSync(join(data, "mallory.json"), JSON.stringify({ keys: [stranger] }));
    symlinkSync("..2026_12_02", join(keysDir, "..data"));
    symlinkSync("..data/order.json", join(keysDir, "order.json"));
    symlinkSync("..data/mallory.json", join(keysDir, "mallory.json"));
    const keyring = createEventKeyring(keysDir);
    expect(keyring.find(order.kid)?.producer).toBe("order");
    expect(keyring.find(stranger.kid)).toBeUndefined();
  });

  it("names a key by its thumbprint, not by the kid its file claims", () => {
    const keysDir = freshDir();
    const real = generateEventKey().publicJwk;
    const impostor = { ...generateEventKey().publicJwk, kid: real.kid };
    writeFileSync(join(keysDir, "payment.json"), JSON.stringify({ keys: [impostor] }));
    expect(createEventKeyring(keysDir).find(real.kid)).toBeUndefined();
  });
});

describe("key rotation", () => {
  it("keeps both keys valid while a rotation is under way, and only the new one after the old is dropped", () => {
    const dataDir = freshDir();
    const keysDir = defaultEventKeysDir(dataDir);
    const old = generateEventKey();
    const next = generateEventKey();
    const load = (jwk: object) =>
      loadEventSigningKey({ producer: "order", privateJwk: JSON.stringify(jwk), dataDir, keysDir });
    // 1. Publish the new public key beside the old one. 2. Switch the producer to the new private key.
    publishPublicKey(keysDir, "order", old.publicJwk);
    publishPublicKey(keysDir, "order", next.publicJwk);
    const inFlight = signEvent(event(), load(old.privateJwk));
    const fresh = signEvent(event(), load(next.privateJwk));
    const during = createEventKeyring(keysDir);
    expect(refusalOf(inFlight, during)).toBeUndefined();
    expect(refusalOf(fresh, during)).toBeUndefined();
    // 3. Once nothing signed with the old key can still arrive, drop it.
    writeFileSync(join(keysDir, "order.json"), JSON.stringify({ keys: [next.publicJwk] }));
    const after = createEventKeyring(keysDir);
    expect(refusalOf(inFlight, after)).toBe("unknown key");
    expect(refusalOf(fresh, after)).toBeUndefined();
  });
});
