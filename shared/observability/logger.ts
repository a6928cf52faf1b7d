import { pino, type Logger } from "pino";

export type { Logger } from "pino";

/** JSON logs, one line per event, with the service name on every line. */
export function createLogger(service: string, level = "info"): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ["password", "*.password", "token", "refresh_token", "authorization"],
      censor: "[redacted]",
    },
  });
}
