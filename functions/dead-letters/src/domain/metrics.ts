import { Counter, Gauge, type Registry } from "prom-client";

export interface DeadLetterMetrics {
  stored: Counter<"type">;
}

/** dead_letters_total{type} counts new dead letters; the gauge reads the backlog at scrape time. */
export function registerDeadLetterMetrics(
  registry: Registry,
  countUnreplayed: () => Promise<number>,
): DeadLetterMetrics {
  new Gauge({
    name: "dead_letters_unreplayed",
    help: "Dead letters stored and not yet replayed successfully",
    registers: [registry],
    async collect() {
      this.set(await countUnreplayed());
    },
  });
  return {
    stored: new Counter({
      name: "dead_letters_total",
      help: "Dead-lettered events stored, by type (a repeated delivery of the same one is not counted)",
      labelNames: ["type"],
      registers: [registry],
    }),
  };
}
