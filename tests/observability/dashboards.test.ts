import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectDefaultMetrics, Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  dashboardFiles,
  dashboardQueries,
  metricNamesIn,
  metricNamesInCode,
  observability,
  readDashboard,
  readYaml,
  rules,
  runTool,
  runnable,
} from "./support";

/** Series that come from Prometheus itself rather than from a function. */
const PROMETHEUS_SERIES = ["up", "ALERTS", "ALERTS_FOR_STATE"];
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

function exportedNames(): Set<string> {
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  const recorded = rules().flatMap((rule) => (rule.record ? [rule.record] : []));
  return new Set([
    ...metricNamesInCode(),
    ...defaults.getMetricsAsArray().map((metric) => metric.name),
    ...recorded,
    ...PROMETHEUS_SERIES,
  ]);
}

/** Grafana's provisioning and dashboards: well formed, wired to the provisioned data sources, real metrics. */
describe("Grafana dashboards", () => {
  const scratch = mkdtempSync(join(tmpdir(), "bazaar-dashboards-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const datasources = readYaml(observability("grafana", "provisioning", "datasources", "datasources.yaml"));
  const dashboards = dashboardFiles().map((file) => ({ file, json: readDashboard(file) }));
  const queries = dashboardQueries();

  it("are the overview, one per function (RED) and one for events and resilience", () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual([
      "bazaar-events",
      "bazaar-function",
      "bazaar-overview",
    ]);
    const functionDashboard = dashboards.find((d) => d.json.uid === "bazaar-function")!.json;
    expect(functionDashboard.templating.list.map((v: { name: string }) => v.name)).toContain("service");
  });

  it("are provisioned from the folder the compose stack and the cluster mount", () => {
    const providers = readYaml(observability("grafana", "provisioning", "dashboards", "dashboards.yaml"));
    expect(providers.providers[0]).toMatchObject({
      type: "file",
      options: { path: "/var/lib/grafana/dashboards" },
    });
    const kustomization = readYaml(observability("kustomization.yaml"));
    const generated = kustomization.configMapGenerator.find((map: any) => map.name === "grafana-dashboards");
    expect(generated.files.map((file: string) => observability(file)).sort()).toEqual(dashboardFiles());
  });

  it("lay out panels on Grafana's 24-column grid with unique ids", () => {
    for (const { json } of dashboards) {
      const ids = json.panels.map((panel: { id: number }) => panel.id);
      expect(new Set(ids).size, json.title).toBe(ids.length);
      for (const panel of json.panels) {
        expect(panel.gridPos.x + panel.gridPos.w, `${json.title}: ${panel.title}`).toBeLessThanOrEqual(24);
        expect(panel.type, `${json.title}: ${panel.title}`).toMatch(
          /^(row|timeseries|stat|bargauge|table|logs|state-timeline)$/,
        );
      }
    }
  });

  it("query only the provisioned data sources, by uid", () => {
    const uids = datasources.datasources.map((source: { uid: string }) => source.uid);
    expect(uids.sort()).toEqual(["jaeger", "loki", "prometheus"]);
    expect(queries.length).toBeGreaterThan(50);
    for (const query of queries)
      expect(uids, `${query.dashboard}: ${query.panel}`).toContain(query.datasource);
  });

  it("use only variables they define", () => {
    for (const { json } of dashboards) {
      const defined = new Set(json.templating.list.map((v: { name: string }) => v.name));
      const text = JSON.stringify(json.panels);
      for (const [, name] of text.matchAll(/\$(?!__)(\w+)/g)) expect(defined, json.title).toContain(name);
    }
  });

  it("every PromQL query parses (promtool checks them as recording rules)", async () => {
    const prometheusQueries = queries.filter((q) => q.datasource === "prometheus");
    const file = join(scratch, "dashboards.yml");
    writeFileSync(
      file,
      stringify({
        groups: [
          {
            name: "dashboard-queries",
            rules: prometheusQueries.map((query, i) => ({
              record: `dashboard:query_${i}`,
              expr: runnable(query.expr),
            })),
          },
        ],
      }),
    );
    const result = await runTool("promtool", ["check", "rules", file]);
    expect(result.ok, result.output).toBe(true);
  });

  it("every metric that a dashboard or an alert reads is one the code exports", () => {
    const exported = exportedNames();
    expect(exported).toContain("http_requests_total");
    expect(exported).toContain("orders_oldest_in_status_seconds");
    const used = [
      ...queries
        .filter((q) => q.datasource === "prometheus")
        .map((q) => ({ where: `${q.dashboard}: ${q.panel}`, expr: q.expr })),
      ...rules().map((rule) => ({ where: `rule ${rule.alert ?? rule.record}`, expr: rule.expr })),
    ];
    for (const { where, expr } of used) {
      for (const name of metricNamesIn(expr)) {
        const base = exported.has(name) ? name : name.replace(HISTOGRAM_SERIES, "");
        expect(exported.has(base), `${where} reads ${name}, which nothing exports`).toBe(true);
      }
    }
  });

  it("finds metric names in PromQL without mistaking functions, labels or keywords for them", () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{service="$service",le="0.5"}[5m]))) / on (service) group_left up offset 5m > bool 1e3',
      ).sort(),
    ).toEqual(["http_request_duration_seconds_bucket", "up"]);
    expect(metricNamesIn('count(ALERTS{alertstate="firing"}) or vector(0)')).toEqual(["ALERTS"]);
    expect(metricNamesIn("max without (instance, pod) (a:b:rate5m) and c_total")).toEqual([
      "a:b:rate5m",
      "c_total",
    ]);
  });
});
