import { describe, expect, it } from "vitest";
import { parseConfig } from "@bazaar/shared/config";
import { brokerConfigSchema } from "./config";

describe("brokerConfigSchema", () => {
  it("runs the embedded transport as the broker named default unless told otherwise", () => {
    const config = parseConfig(brokerConfigSchema, {});
    expect(config).toMatchObject({ BROKER_NAME: "default", AMQP_QUEUE_TYPE: "quorum" });
    expect(config.AMQP_URL).toBeUndefined();
    expect(parseConfig(brokerConfigSchema, { AMQP_URL: "" }).AMQP_URL).toBeUndefined(); // compose's unset
  });

  it("listens on loopback unless HOST says otherwise (compose says 0.0.0.0)", () => {
    expect(parseConfig(brokerConfigSchema, {}).HOST).toBe("127.0.0.1");
    expect(parseConfig(brokerConfigSchema, { HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
  });

  it("takes an AMQP URL, and refuses what is not one or a broker name that is not a DNS label", () => {
    const url = "amqp://guest:guest@127.0.0.1:5672";
    expect(parseConfig(brokerConfigSchema, { AMQP_URL: url }).AMQP_URL).toBe(url);
    expect(() => parseConfig(brokerConfigSchema, { AMQP_URL: "http://rabbitmq:5672" })).toThrow(
      /AMQP_URL: must be an amqp/,
    );
    expect(() => parseConfig(brokerConfigSchema, { BROKER_NAME: "Default.Broker" })).toThrow(/BROKER_NAME/);
  });
});
