import * as z from "zod";
import { describeIssues } from "../errors";
import { tracingConfigSchema } from "./tracing";

/**
 * Settings every function shares. A function extends this schema with its own keys; nothing else in the
 * code base reads process.env.
 */
export const baseConfigSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535),
  K_SERVICE: z.string().min(1),
  K_REVISION: z.string().optional(),
  /** Address to listen on: loopback unless told otherwise (the image, compose and Knative say 0.0.0.0). */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Where events are published: the Knative Broker ingress (or the dev broker). Unset: events stay in the outbox. */
  K_SINK: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Folder for embedded libSQL files and dev key material. */
  DATA_DIR: z.string().min(1).default("./data"),
  /** libSQL URL: file:... (default: a file under DATA_DIR) or http(s)://sqld. */
  DATABASE_URL: z.string().optional(),
  DATABASE_AUTH_TOKEN: z.string().optional(),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** Seconds a SIGTERM waits for in-flight requests before the process exits. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().positive().default(10),
  /** How often the outbox relay re-sends what was not yet accepted (0 disables the timer). */
  OUTBOX_INTERVAL_MS: z.coerce.number().int().min(0).default(2000),
  /** This function's Ed25519 private JWK that signs the events it emits (a Secret); unset: kept under DATA_DIR. */
  EVENT_PRIVATE_JWK: z.string().optional(),
  /** Folder of every producer's public event keys, `<function>.json` each (a ConfigMap); unset: under DATA_DIR. */
  EVENT_KEYS_DIR: z.string().optional(),
  /** OTEL_*: where traces go (none set: no tracing SDK is loaded at all). */
  ...tracingConfigSchema.shape,
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Where this function finds the customer function's public keys. */
export const jwksConfigSchema = z.object({
  JWKS_URL: z.url().default("http://127.0.0.1:5001/.well-known/jwks.json"),
  JWT_ISSUER: z.string().default("bazaar"),
  JWT_AUDIENCE: z.string().default("bazaar"),
});

/** A comma-separated list in one variable; empty means none. */
export const commaSeparated = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

export class ConfigError extends Error {}

/** Parses env against a schema; throws a ConfigError whose message is one readable line. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  // Parsed once per process: zod's compiled fast path for objects would cost more to generate than it saves
  // (2.6 → 1.4 ms of a start for order's configuration, BENCHMARKS.md).
  const result = schema.safeParse(env, { jitless: true });
  if (result.success) return result.data;
  throw new ConfigError(`invalid configuration: ${describeIssues(result.error, "(env)")}`);
}

/** For server.ts: a bad value stops the process with one clear line on stderr. */
export function loadConfig<S extends z.ZodType>(schema: S, env = process.env): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}

export {
  tracingConfigSchema,
  tracingSettingsOf,
  type TracesProtocol,
  type TracingConfig,
  type TracingSettings,
} from "./tracing";
export {
  devPorts,
  functionNames,
  serviceUrl,
  serviceUrlsSchema,
  urlVariableOf,
  type ServiceName,
} from "./services";
