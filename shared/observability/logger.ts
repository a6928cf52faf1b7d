import { pino, type Logger } from "pino";
import { batchedStdout } from "./stdout";

export type { Logger } from "pino";

/**
 * drizzle reports a failed statement as "Failed query: <sql>\nparams: <values>" and keeps the values on the
 * error: those are customers' data (emails, password hashes). Logs keep the query and the cause, never them.
 */
const PARAMS = /\nparams:[\s\S]*?(?=\n {4}at |$)/;
export function withoutQueryParams(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized["params"];
  for (const key of ["message", "stack"]) {
    const text = serialized[key];
    if (typeof text === "string") serialized[key] = text.replace(PARAMS, "\nparams: [redacted]");
  }
  return serialized;
}

/**
 * pino's isoTime, made once per millisecond: a busy function writes several lines a millisecond, and
 * formatting the date was a fifth of what a request's log line cost.
 */
function isoTimePerMillisecond(): () => string {
  let at = 0;
  let field = "";
  return () => {
    const now = Date.now();
    if (now !== at) {
      at = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

/** JSON logs, one line per event, with the service name on every line; stdout is written in batches. */
export function createLogger(service: string, level = "info"): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: isoTimePerMillisecond(),
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: withoutQueryParams },
      redact: {
        paths: ["password", "*.password", "token", "refresh_token", "authorization"],
        censor: "[redacted]",
      },
    },
    batchedStdout(),
  );
}
