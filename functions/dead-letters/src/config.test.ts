import { describe, expect, it } from "vitest";
import { defaultTriggersDir, loadTriggers } from "@bazaar/broker";
import { parseConfig } from "@bazaar/shared/config";
import { deadLettersConfigSchema, replayTargetUrls } from "./config";
import { createReplayTargets } from "./domain/replay-targets";

describe("replay targets", () => {
  const config = parseConfig(deadLettersConfigSchema, { K_SINK: "http://127.0.0.1:5010" });
  const targets = createReplayTargets(replayTargetUrls(config));

  it("include the subscriber of every Trigger, and the broker", () => {
    const triggers = loadTriggers(defaultTriggersDir, { urls: config });
    expect(triggers.length).toBeGreaterThan(0);
    for (const trigger of triggers)
      expect(targets.refusal(trigger.subscriber.url), trigger.name).toBeUndefined();
    expect(targets.refusal("http://127.0.0.1:5010/")).toBeUndefined();
  });

  it("refuse any other origin, with the reason", () => {
    expect(targets.refusal("http://169.254.169.254/latest/meta-data/")).toMatch(
      /^http:\/\/169\.254\.169\.254 is not a configured subscriber or broker \(replays go only to http:\/\/127\.0\.0\.1:5002, /,
    );
    // Functions that subscribe to nothing (customer, gateway) get no replays either.
    for (const port of [5001, 8080]) expect(targets.refusal(`http://127.0.0.1:${port}/events`)).toBeDefined();
    expect(targets.refusal("https://127.0.0.1:5003/events")).toBeDefined(); // another scheme, another origin
    expect(targets.refusal("not a url")).toBe("not a url is not a URL");
  });

  it("come from the cluster's <NAME>_URL settings", () => {
    const cluster = parseConfig(deadLettersConfigSchema, {
      ORDER_URL: "http://order.bazaar.svc.cluster.local",
    });
    const inCluster = createReplayTargets(replayTargetUrls(cluster));
    expect(inCluster.refusal("http://order.bazaar.svc.cluster.local/events")).toBeUndefined();
    expect(inCluster.refusal("http://order.bazaar.svc.cluster.local.evil.example/events")).toBeDefined();
  });
});
