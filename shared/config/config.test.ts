import { afterEach, describe, expect, it, vi } from "vitest";
import {
  baseConfigSchema,
  ConfigError,
  jwksConfigSchema,
  loadConfig,
  parseConfig,
  serviceUrl,
  serviceUrlsSchema,
  urlVariableOf,
} from "./index";

const minimal = { PORT: "5001", K_SERVICE: "customer" };

describe("parseConfig", () => {
  it("applies the defaults and coerces numbers", () => {
    const config = parseConfig(baseConfigSchema, minimal);
    expect(config).toMatchObject({
      PORT: 5001,
      K_SERVICE: "customer",
      LOG_LEVEL: "info",
      DATA_DIR: "./data",
      BODY_LIMIT_BYTES: 64 * 1024,
      SHUTDOWN_GRACE_SECONDS: 10,
      OUTBOX_INTERVAL_MS: 2000,
    });
    expect(config.K_SINK).toBeUndefined();
  });

  it("names every bad key in one readable line", () => {
    const env = { PORT: "eighty", K_SINK: "not a url", LOG_LEVEL: "loud", BODY_LIMIT_BYTES: "-1" };
    let error: unknown;
    try {
      parseConfig(baseConfigSchema, env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).not.toContain("\n");
    expect(message).toMatch(/^invalid configuration: /);
    for (const key of ["PORT", "K_SERVICE", "K_SINK", "LOG_LEVEL", "BODY_LIMIT_BYTES"]) {
      expect(message).toContain(`${key}: `);
    }
    expect(message).not.toContain("DATA_DIR");
  });

  it("extends with the JWKS settings and their defaults", () => {
    const config = parseConfig(baseConfigSchema.extend(jwksConfigSchema.shape), minimal);
    expect(config).toMatchObject({ JWT_ISSUER: "bazaar", JWT_AUDIENCE: "bazaar" });
    expect(config.JWKS_URL).toBe("http://127.0.0.1:5001/.well-known/jwks.json");
  });
});

describe("service urls", () => {
  it("derives the variable name of each service", () => {
    expect(urlVariableOf("order")).toBe("ORDER_URL");
    expect(urlVariableOf("dead-letters")).toBe("DEAD_LETTERS_URL");
  });

  it("defaults to the dev ports and takes an override", () => {
    const config = parseConfig(serviceUrlsSchema, { ORDER_URL: "http://order.bazaar.svc.cluster.local" });
    expect(serviceUrl(config, "order")).toBe("http://order.bazaar.svc.cluster.local");
    expect(serviceUrl(config, "inventory")).toBe("http://127.0.0.1:5002");
    expect(serviceUrl(config, "dead-letters")).toBe("http://127.0.0.1:5007");
  });
});

describe("loadConfig", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("stops the process with exit code 78 and one line on stderr", () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    vi.spyOn(process, "exit").mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    expect(() => loadConfig(baseConfigSchema, { PORT: "0" })).toThrow("exit 78");
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^invalid configuration: PORT: .*K_SERVICE: .*\n$/);
  });

  it("returns the parsed config when it is valid", () => {
    expect(loadConfig(baseConfigSchema, minimal).PORT).toBe(5001);
  });
});
