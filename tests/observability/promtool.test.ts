import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { fromRoot, listFiles, observability, readYaml, ruleFiles, rules, runTool } from "./support";

/** The Prometheus configuration, alert rules and their unit tests, checked by Prometheus's own promtool. */
describe("Prometheus configuration and alert rules (promtool)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "bazaar-promtool-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("the dev stack's configuration is valid, rule files included", async () => {
    const result = await runTool("promtool", [
      "check",
      "config",
      fromRoot(observability("prometheus", "prometheus.yml")),
    ]);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toContain(`SUCCESS: ${ruleFiles().length} rule files found`);
  });

  it("the cluster's configuration is valid (its Kubernetes discovery swapped for file discovery)", async () => {
    // Debian builds Prometheus without Kubernetes discovery, so promtool cannot read kubernetes_sd_configs;
    // everything else (relabelling, regexes, rule files) is checked as written.
    const config = readYaml(observability("cluster", "prometheus.yml"));
    for (const job of config.scrape_configs) {
      if (!job.kubernetes_sd_configs) continue;
      expect(job.kubernetes_sd_configs).toEqual([{ role: "pod", namespaces: { names: ["bazaar"] } }]);
      delete job.kubernetes_sd_configs;
      job.file_sd_configs = [{ files: ["targets.json"] }];
    }
    expect(config.rule_files).toEqual(["/etc/prometheus/rules/*.yml"]); // where the Deployment mounts them
    config.rule_files = [observability("prometheus", "rules", "*.yml")];
    writeFileSync(join(scratch, "prometheus.yml"), stringify(config));
    const result = await runTool("promtool", ["check", "config", "prometheus.yml"], scratch);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toContain(`SUCCESS: ${ruleFiles().length} rule files found`);
  });

  it("dev and cluster scrape the functions under one job name and load the same rule files", () => {
    const dev = readYaml(observability("prometheus", "prometheus.yml"));
    const cluster = readYaml(observability("cluster", "prometheus.yml"));
    const jobs = (config: any) => config.scrape_configs.map((job: any) => job.job_name as string);
    expect(jobs(dev)).toContain("bazaar-functions");
    expect(jobs(cluster)).toContain("bazaar-functions");
    expect(dev.rule_files).toEqual(["rules/*.yml"]);
    expect(cluster.rule_files).toEqual(["/etc/prometheus/rules/*.yml"]);
    // The cluster's ConfigMaps come from these very files: a new rule file must be listed there too.
    const kustomization = readYaml(observability("kustomization.yaml"));
    const generated = kustomization.configMapGenerator.find((map: any) => map.name === "prometheus-rules");
    expect(generated.files.map((file: string) => observability(file)).sort()).toEqual(ruleFiles());
  });

  it("every alert says how bad it is and what happened", () => {
    const alerts = rules().filter((rule) => rule.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const alert of alerts) {
      expect(["page", "ticket", "warning", "info"], alert.alert).toContain(alert.labels?.["severity"]);
      expect(alert.annotations?.["summary"], alert.alert).toEqual(expect.any(String));
      expect(alert.annotations?.["description"], alert.alert).toEqual(expect.any(String));
    }
  });

  it("covers what the operators asked for: errors, latency burn, dead letters, breakers, stuck orders, outbox", () => {
    const names = rules().flatMap((rule) => (rule.alert ? [rule.alert] : []));
    for (const wanted of [
      "BazaarHighErrorRate",
      "BazaarLatencyBudgetFastBurn",
      "BazaarLatencyBudgetSlowBurn",
      "BazaarDeadLettersPresent",
      "BazaarCircuitBreakerOpen",
      "BazaarOrdersStuckPending",
      "BazaarOrdersStuckAwaitingPayment",
      "BazaarOutboxBacklogGrowing",
    ]) {
      expect(names).toContain(wanted);
    }
  });

  it("the rule files pass promtool check rules", async () => {
    const result = await runTool("promtool", ["check", "rules", ...ruleFiles().map(fromRoot)]);
    expect(result.ok, result.output).toBe(true);
  });

  it("the alert rules pass their unit tests (promtool test rules), and every alert has one", async () => {
    const tests = listFiles(observability("prometheus", "tests"), ".test.yml");
    const result = await runTool("promtool", ["test", "rules", ...tests.map(fromRoot)]);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).not.toContain("FAILED");

    const tested = tests.map((file) => readFileSync(file, "utf8")).join("\n");
    for (const rule of rules()) {
      if (rule.alert) expect(tested, `no unit test for ${rule.alert}`).toContain(`alertname: ${rule.alert}`);
    }
  });
});
