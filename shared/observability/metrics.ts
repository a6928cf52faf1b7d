import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The metrics every function exports; a function registers its business metrics on `registry` too. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
  eventsPublished: Counter<"type">;
  eventsReceived: Counter<"type">;
  eventsDuplicate: Counter<"type">;
  eventsStale: Counter<"type">;
  eventsFailed: Counter<"type">;
  eventsRefused: Counter<"type" | "reason">;
  outboxBacklog: Gauge;
  /**
   * Runs of the periodic jobs (shared/jobs), timer and /tasks/* route alike. The job's label is `task`: Prometheus
   * gives every scraped series the target's own `job` label, which would push a `job` of ours to `exported_job`.
   */
  jobRuns: Counter<"task" | "result">;
  breakerState: Gauge<"breaker">;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop lag histogram samples every 100 ms instead of prom-client's 10: at 10 its timer woke each
  // idle process 100 times a second, most of the 14 ms of CPU a second an idle function spent (2026-12-03).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    httpRequests: counter("http_requests_total", "HTTP requests by method, route template and status", [
      "method",
      "route",
      "status",
    ]),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration by method, route template and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    eventsPublished: counter("events_published_total", "CloudEvents accepted by the broker", ["type"]),
    eventsReceived: counter("events_received_total", "CloudEvents received and processed", ["type"]),
    eventsDuplicate: counter("events_duplicate_total", "CloudEvents received again and ignored", ["type"]),
    eventsStale: counter("events_stale_total", "CloudEvents that arrived too late to change anything", [
      "type",
    ]),
    eventsFailed: counter("events_failed_total", "CloudEvents whose handling failed (answered 5xx)", [
      "type",
    ]),
    eventsRefused: counter(
      "events_refused_total",
      "CloudEvents refused unhandled: not from the type's producer, or not signed by its key",
      ["type", "reason"],
    ),
    jobRuns: counter("job_runs_total", "Runs of a periodic job (timer or /tasks route), by result", [
      "task",
      "result",
    ]),
    outboxBacklog: new Gauge({
      name: "outbox_backlog",
      help: "Events waiting to be posted: written, not accepted by the broker, and under no relay's live claim",
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: "circuit_breaker_state",
      help: "0 closed, 1 half-open, 2 open",
      labelNames: ["breaker"],
      registers: [registry],
    }),
  };
}
