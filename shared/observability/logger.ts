import { pino, type DestinationStream, type Logger } from "pino";

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
 * stdout, written in batches: a synchronous write per line was 8-10 % of a request's CPU. Lines collect up to
 * 4 KiB, or for at most 250 ms, then go out in one write. pino flushes what is left synchronously when the
 * process exits (process.exit, as the SIGTERM drain ends, or an empty event loop), so no line is lost then.
 * One per process, shared by every logger.
 */
let stdout: DestinationStream | undefined;
export const bufferedStdout = (): DestinationStream =>
  (stdout ??= pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 }));

/** JSON logs, one line per event, with the service name on every line. */
export function createLogger(service: string, level = "info", destination = bufferedStdout()): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: withoutQueryParams },
      redact: {
        paths: ["password", "*.password", "token", "refresh_token", "authorization"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
