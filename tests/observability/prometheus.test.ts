import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { devServices } from "../../scripts/dev/services";
import { call, eventually } from "../support/http";
import { freePort } from "../support/ports";
import { startSystem, type System } from "../support/system";
import { startPrometheus, type PrometheusServer } from "./prometheus-server";
import { dashboardQueries, observability, readYaml, runnable } from "./support";

const SERVICES = [...devServices];

/**
 * The dev stack's Prometheus configuration (observability/prometheus/prometheus.yml), its targets pointed
 * at this system's metrics ports (the gateway's private one) and scraping every second. Only the functions'
 * job is kept: RabbitMQ's exporter is not part of this system.
 */
function configFor(system: System): { config: unknown; functions: string[] } {
  const config = readYaml(observability("prometheus", "prometheus.yml"));
  const job = config.scrape_configs.find((j: any) => j.job_name === "bazaar-functions");
  const functions: string[] = job.static_configs.map((target: any) => target.labels.function);
  job.static_configs = job.static_configs.map((target: any) => ({
    ...target,
    targets: [new URL(system.metricsUrl(target.labels.function)).host],
  }));
  return {
    functions,
    config: {
      ...config,
      global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
      rule_files: [observability("prometheus", "rules", "*.yml")],
      scrape_configs: [job],
    },
  };
}

/** A real Prometheus (Debian's package, or Prometheus's image) scraping the whole system, as the dev stack runs it. */
describe("Prometheus scraping the running system", () => {
  let system: System;
  let prometheus: PrometheusServer | undefined;
  let prometheusUrl: string;
  let functions: string[];
  const scratch = mkdtempSync(join(tmpdir(), "bazaar-prometheus-"));

  const query = async (
    expr: string,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const answer = await call("GET", `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (answer.status !== 200) throw new Error(`${expr}: ${JSON.stringify(answer.body)}`);
    return answer.body.data.result;
  };
  const hasSeries = (expr: string) =>
    eventually(
      async () => ((await query(expr)).length > 0 ? true : undefined),
      15_000,
      `a series for ${expr}`,
    );

  beforeAll(async () => {
    system = await startSystem({ services: SERVICES, env: { payment: { PAYMENT_SLOW_MS: "100" } } });

    // Traffic through the gateway: an account, a login, catalogue reads, an order that is confirmed, one
    // refused for want of stock, one cancelled, and a 404.
    const gateway = system.url("gateway");
    const email = `metrics-${randomUUID().slice(0, 8)}@test.local`;
    const password = "a-good-password";
    expect(
      (await call("POST", `${gateway}/auth/register`, { body: { name: "Metrics", email, password } })).status,
    ).toBe(201);
    const { token } = (await call("POST", `${gateway}/auth/login`, { body: { email, password } })).body;
    for (let i = 0; i < 3; i += 1) expect((await call("GET", `${gateway}/api/products`)).status).toBe(200);
    expect((await call("GET", `${gateway}/api/no-such-thing`)).status).toBe(404);
    const place = (product_id: number, quantity: number) =>
      call("POST", `${gateway}/api/orders`, { token, body: { items: [{ product_id, quantity }] } });
    const confirmed = await place(2, 1);
    expect(confirmed.status).toBe(202);
    expect((await place(1, 60)).status).toBe(409); // 50 laptops in stock
    const cancelled = await place(3, 1);
    expect(
      (await call("POST", `${gateway}/api/orders/${cancelled.body.order_id}/cancel`, { token })).status,
    ).toBe(200);
    let status = "";
    await eventually(
      async () => {
        status = (await call("GET", `${gateway}/api/orders/${confirmed.body.order_id}`, { token })).body
          .status;
        return status === "confirmed" ? true : undefined;
      },
      20_000,
      "the order to be confirmed",
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message} (last status: ${status})`, { cause: error });
    });

    const generated = configFor(system);
    functions = generated.functions;
    writeFileSync(join(scratch, "prometheus.yml"), stringify(generated.config));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = await startPrometheus(
      [
        `--config.file=${join(scratch, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(scratch, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      scratch,
      prometheusUrl,
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await system?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("the configuration names every service of the system", () => {
    expect([...functions].sort()).toEqual([...SERVICES].sort());
  });

  it("every target is up", async () => {
    const targets = await eventually(
      async () => {
        const answer = await call("GET", `${prometheusUrl}/api/v1/targets?state=active`);
        const active: { health: string; labels: Record<string, string> }[] = answer.body.data.activeTargets;
        return active.length === SERVICES.length && active.every((t) => t.health === "up")
          ? active
          : undefined;
      },
      15_000,
      "every target up",
    );
    expect(targets.map((t) => t.labels["function"]).sort()).toEqual([...SERVICES].sort());
  });

  it("every service exports RED metrics under its own name", async () => {
    for (const service of SERVICES) {
      await hasSeries(`http_requests_total{service="${service}"}`);
      await hasSeries(`http_request_duration_seconds_bucket{service="${service}",le="0.5"}`);
    }
    // Route templates, never raw paths: the order detail appears as /api/orders/:id.
    const routes = (await query('http_requests_total{service="gateway"}')).map((s) => s.metric["route"]);
    expect(routes).toContain("/api/orders/:id");
    expect(routes.some((route) => /\/\d+$/.test(route ?? ""))).toBe(false);
  });

  it("the saga's business metrics and event counters are there after the traffic", async () => {
    for (const expr of [
      'orders_total{service="order",outcome="placed"} >= 2',
      'orders_total{service="order",outcome="confirmed"} >= 1',
      'orders_total{service="order",outcome="cancelled"} >= 1',
      "order_placed_to_confirmed_seconds_count >= 1",
      'orders_by_status{status="confirmed"} >= 1',
      'orders_oldest_in_status_seconds{status="pending"}',
      'events_published_total{service="order",type="bazaar.order.placed"} >= 2',
      'events_received_total{service="inventory",type="bazaar.order.placed"} >= 2',
      'events_received_total{service="payment",type="bazaar.payment.requested"} >= 1',
      'events_received_total{service="notification"}',
      'broker_deliveries_total{outcome="delivered"} > 0',
      "outbox_backlog",
      'inventory_reservation_orders{outcome="held"}',
      "dead_letters_unreplayed",
      // The relay's timer runs in every function; the series keeps the scrape's own `job` label.
      'job_runs_total{job="bazaar-functions",service="order",task="outbox",result="ok"} > 0',
    ]) {
      await hasSeries(expr);
    }
  });

  it("breaker states are exported by the gateway (one per upstream) and by every relay", async () => {
    await hasSeries('circuit_breaker_state{service="gateway",breaker="order"}');
    await hasSeries('circuit_breaker_state{service="order",breaker="broker"}');
    const states = await query("circuit_breaker_state");
    expect(
      states.every((s) => s.value[1] === "0"),
      "every breaker closed on a healthy system",
    ).toBe(true);
  });

  it("metrics that only count trouble are declared even before any trouble", async () => {
    // No request was refused yet, so no series: the metric's metadata shows the gateway exports it.
    const answer = await call("GET", `${prometheusUrl}/api/v1/metadata?metric=rate_limit_rejections_total`);
    expect(answer.body.data["rate_limit_rejections_total"]?.[0]?.type).toBe("counter");
  });

  it("loads every alert and recording rule and evaluates them without error", async () => {
    await hasSeries('service:http_requests:rate5m{service="gateway"}');
    const answer = await call("GET", `${prometheusUrl}/api/v1/rules`);
    const groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] =
      answer.body.data.groups;
    expect(groups.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        "bazaar-http-alerts",
        "bazaar-events",
        "bazaar-jobs",
        "bazaar-resilience",
        "bazaar-saga",
      ]),
    );
    for (const rule of groups.flatMap((g) => g.rules)) {
      expect(rule.health, `${rule.name}: ${rule.lastError ?? ""}`).not.toBe("err");
    }
  });

  it("every dashboard query runs on it; the overview's key panels show data", async () => {
    for (const q of dashboardQueries().filter((q) => q.datasource === "prometheus")) {
      await expect(query(runnable(q.expr)), `${q.dashboard}: ${q.panel}`).resolves.toBeDefined();
    }
    for (const expr of [
      'sum(rate(orders_total{outcome="placed"}[1m])) * 60',
      "max by (status) (orders_by_status)",
      "max by (function) (up)",
    ]) {
      await hasSeries(expr);
    }
  });
});
