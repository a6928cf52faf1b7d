import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventTypes } from "@bazaar/shared/events";
import { defaultTriggersDir } from "./config";
import { loadTriggers, parseTriggers, TriggerError, type Trigger } from "./triggers";

const urls = { INVENTORY_URL: "http://inventory.bazaar.svc.cluster.local" };
const triggers = loadTriggers(defaultTriggersDir, { urls });
const typeOf = (trigger: Trigger): string | undefined => trigger.filter["type"];

/** The saga contract (docs: who consumes what); the Trigger folder must say exactly this. */
const saga: Record<string, string[]> = {
  inventory: [
    "customer.deleted",
    "customer.role_changed",
    "order.placed",
    "order.confirmed",
    "order.cancelled",
  ],
  order: [
    "customer.deleted",
    "customer.role_changed",
    "inventory.reserved",
    "inventory.rejected",
    "inventory.committed",
    "inventory.released",
    "payment.succeeded",
    "payment.failed",
    "payment.refunded",
    "payment.voided",
    "shipment.scheduled",
    "shipment.dispatched",
    "shipment.delivered",
    "shipment.cancelled",
  ],
  payment: ["customer.deleted", "customer.role_changed", "payment.requested", "order.cancelled"],
  shipping: ["customer.deleted", "customer.role_changed", "order.confirmed", "order.cancelled"],
  notification: [
    "customer.registered",
    "customer.deleted",
    "customer.role_changed",
    "order.placed",
    "order.confirmed",
    "order.rejected",
    "order.cancelled",
    "order.status_changed",
    "payment.succeeded",
    "payment.failed",
    "payment.refunded",
    "payment.voided",
    "shipment.scheduled",
    "shipment.dispatched",
    "shipment.delivered",
  ],
  "dead-letters": ["customer.deleted", "customer.role_changed"],
};

describe("the Trigger manifests in knative/triggers", () => {
  it("route every catalog type to at least one subscriber, the account events included", () => {
    const routed = new Set(triggers.map(typeOf));
    expect(eventTypes.filter((type) => !routed.has(type))).toEqual([]);
    expect(routed.has("bazaar.customer.deleted")).toBe(true);
    expect(routed.has("bazaar.customer.role_changed")).toBe(true);
  });

  it("filter only on types that are in the catalog", () => {
    for (const trigger of triggers) expect(eventTypes, trigger.name).toContain(typeOf(trigger));
  });

  it("are exactly the saga table: one Trigger per (subscriber, type)", () => {
    const actual = triggers.map((t) => `${t.subscriber.service} <- ${typeOf(t)}`).sort();
    const expected = Object.entries(saga)
      .flatMap(([subscriber, types]) => types.map((type) => `${subscriber} <- bazaar.${type}`))
      .sort();
    expect(actual).toEqual(expected);
  });

  it("are named <subscriber>-<entity>-<verb> and filter on the type alone", () => {
    for (const trigger of triggers) {
      const type = (typeOf(trigger) ?? "").replace(/^bazaar\./, "");
      expect(trigger.name).toBe(`${trigger.subscriber.service}-${type.replaceAll(/[._]/g, "-")}`);
      expect(Object.keys(trigger.filter)).toEqual(["type"]);
    }
  });

  it("deliver to /events (dead-letters: /accounts/events) and dead-letter to its root, with retries", () => {
    for (const trigger of triggers) {
      // dead-letters' /events is its dead-letter intake; its account events have a receiver of their own.
      const receiver = trigger.subscriber.service === "dead-letters" ? "/accounts/events" : "/events";
      expect(trigger.subscriber.uri).toBe(receiver);
      expect(trigger.delivery.deadLetterSink).toMatchObject({ service: "dead-letters", uri: undefined });
      expect(trigger.delivery).toMatchObject({ retry: 5, backoffPolicy: "exponential", backoffDelayMs: 200 });
      expect(trigger.parallelism).toBeGreaterThanOrEqual(1);
    }
  });

  it("resolve services through <NAME>_URL, falling back to the dev ports", () => {
    const placed = triggers.find((t) => t.name === "inventory-order-placed");
    expect(placed?.subscriber.url).toBe("http://inventory.bazaar.svc.cluster.local/events");
    expect(placed?.delivery.deadLetterSink.url).toBe("http://127.0.0.1:5007/");
    expect(placed?.parallelism).toBe(4);
  });

  it("can have their backoff delay replaced (tests)", () => {
    const fast = loadTriggers(defaultTriggersDir, { urls: {}, backoffDelayMs: 5 });
    expect(new Set(fast.map((t) => t.delivery.backoffDelayMs))).toEqual(new Set([5]));
  });
});

const manifest = (spec: string, annotations = "") => `
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: probe
  ${annotations}
spec:
${spec}`;
const subscriber = `
  subscriber:
    ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: order }
    uri: /events`;
const delivery = `
  delivery:
    retry: 2
    backoffPolicy: linear
    backoffDelay: PT1S
    timeout: PT10S
    deadLetterSink:
      ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: dead-letters }`;
const parse = (text: string) => parseTriggers(text, { urls: {} });

describe("parseTriggers", () => {
  it("reads a full Trigger", () => {
    const [trigger] = parse(
      manifest(
        `  broker: default\n  filter: { attributes: { type: a.b, tenant: acme } }${subscriber}${delivery}`,
        'annotations: { rabbitmq.eventing.knative.dev/parallelism: "1" }',
      ),
    );
    expect(trigger).toEqual({
      name: "probe",
      filter: { type: "a.b", tenant: "acme" },
      subscriber: { service: "order", uri: "/events", url: "http://127.0.0.1:5003/events" },
      delivery: {
        retry: 2,
        backoffPolicy: "linear",
        backoffDelayMs: 1000,
        timeoutMs: 10_000,
        deadLetterSink: { service: "dead-letters", uri: undefined, url: "http://127.0.0.1:5007/" },
      },
      parallelism: 1,
    });
  });

  it("applies eventing-rabbitmq's defaults: no filter = everything, parallelism 1, retry 5, 50 ms", () => {
    const sinkOnly = `
  delivery:
    deadLetterSink:
      ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: dead-letters }`;
    const [trigger] = parse(manifest(`  broker: default${subscriber}${sinkOnly}`));
    expect(trigger).toMatchObject({
      filter: {},
      parallelism: 1,
      delivery: { retry: 5, backoffPolicy: "exponential", backoffDelayMs: 50, timeoutMs: undefined },
    });
  });

  it("skips documents of other kinds", () => {
    expect(
      parse("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n"),
    ).toEqual([]);
  });

  it.each([
    ["no delivery", `  broker: default${subscriber}`, "needs a delivery spec"],
    [
      "a delivery without its own deadLetterSink",
      `  broker: default${subscriber}\n  delivery: { retry: 3 }`,
      "needs its own deadLetterSink",
    ],
    [
      "the filters dialects",
      `  broker: default\n  filters: [{ prefix: { type: bazaar. } }]${subscriber}${delivery}`,
      "ignores spec.filters",
    ],
    [
      "an empty filter value",
      `  broker: default\n  filter: { attributes: { type: "" } }${subscriber}${delivery}`,
      "filter.attributes.type",
    ],
    ["another broker", `  broker: other${subscriber}${delivery}`, "names broker other"],
    [
      "an unknown service",
      `  broker: default${subscriber.replace("name: order", "name: billing")}${delivery}`,
      "billing is not a Bazaar function",
    ],
    [
      "a misspelt delivery field",
      `  broker: default${subscriber}${delivery.replace("backoffPolicy", "backofPolicy")}`,
      "backofPolicy",
    ],
    ["a bad duration", `  broker: default${subscriber}${delivery.replace("PT1S", "1s")}`, "ISO-8601"],
  ])("refuses %s", (_what, spec, message) => {
    const [result] = parse(manifest(spec));
    expect(typeof result).toBe("string");
    expect(result).toContain(message);
  });

  it("refuses a parallelism outside 1..1000", () => {
    const [result] = parse(
      manifest(
        `  broker: default${subscriber}${delivery}`,
        'annotations: { rabbitmq.eventing.knative.dev/parallelism: "0" }',
      ),
    );
    expect(result).toContain("integer from 1 to 1000");
  });

  it("reports YAML syntax errors", () => {
    expect(typeof parse("kind: Trigger\n  bad: [indent")[0]).toBe("string");
  });
});

describe("loadTriggers", () => {
  it("names every problem of a folder in one error, and refuses duplicate names and an empty folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "bazaar-triggers-"));
    try {
      const good = manifest(`  broker: default${subscriber}${delivery}`);
      writeFileSync(join(dir, "a.yaml"), good);
      writeFileSync(join(dir, "b.yaml"), good);
      writeFileSync(join(dir, "c.yaml"), manifest(`  broker: other${subscriber}${delivery}`));
      expect(() => loadTriggers(dir, { urls: {} })).toThrow(TriggerError);
      expect(() => loadTriggers(dir, { urls: {} })).toThrow(/c\.yaml: .*names broker other.*defined twice/);
      rmSync(join(dir, "a.yaml"));
      rmSync(join(dir, "b.yaml"));
      rmSync(join(dir, "c.yaml"));
      expect(() => loadTriggers(dir, { urls: {} })).toThrow(/no Trigger found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadTriggers(join(dir, "missing"), { urls: {} })).toThrow(/cannot read/);
  });
});
