/**
 * Parts 1 and 2: the gateway's read path and its authenticated path, each as a ratio of a hello-world node:http
 * server driven by the same wrk settings right before it, plus the steps between them (the shared app alone,
 * a bare proxy hop, the function without the gateway) so a missed target shows which step costs what.
 */
import { join } from "node:path";
import { startBundles, type Bundles } from "./bundles";
import { startBareOrderList, startBareProxy, startHello, type ReferenceServer } from "./reference-servers";
import { placeOrder, registerShopper } from "./shop";
import { measure, type LoadResult, type LoadSettings } from "./wrk";

export interface HttpCase {
  id: string;
  label: string;
  /** The request wrk sends, for the report. */
  request: string;
  result: LoadResult;
  /** The hello-world server, measured just before this case. */
  baseline: LoadResult;
  ratio: number;
  /** The target ratio, for the cases that have one. */
  target?: number;
}

/** Rate limits are on for the run, raised far above what wrk can send, so they cost their work but refuse nothing. */
const RAISED_LIMITS = {
  RATE_LIMIT_READ: "1000000000",
  RATE_LIMIT_WRITE: "1000000000",
  RATE_LIMIT_ORDER_PLACEMENT: "1000000000",
};
const SEEDED_ORDERS = 5;

export async function benchHttpPaths(
  settings: LoadSettings,
  progress: (line: string) => void,
): Promise<HttpCase[]> {
  const system = await startBundles(["customer", "inventory", "order", "gateway"], {
    env: { gateway: RAISED_LIMITS },
  });
  const servers: ReferenceServer[] = [];
  try {
    const hello = await startHello();
    const bareProxy = await startBareProxy(hello.url);
    servers.push(hello, bareProxy);
    const shopper = await registerShopper(system.url("customer"));
    for (let i = 0; i < SEEDED_ORDERS; i += 1) await placeOrder(system.url("order"), shopper.token, 1, 1);
    const bareOrders = await startBareOrderList(join(system.dataDir, "order.db"), shopper.id);
    const bareOrdersProxy = await startBareProxy(bareOrders.url);
    servers.push(bareOrders, bareOrdersProxy);
    const bearer = { authorization: `Bearer ${shopper.token}` };
    const pids = (bundles: Bundles, ...names: Parameters<Bundles["pid"]>[0][]) =>
      Object.fromEntries(names.map((name) => [name, bundles.pid(name)]));

    const plan: {
      spec: Omit<HttpCase, "result" | "baseline" | "ratio">;
      url: string;
      headers?: Record<string, string>;
      watch: Record<string, number>;
    }[] = [
      {
        spec: {
          id: "gateway-healthz",
          label: "gateway /healthz (shared app, no upstream)",
          request: "GET /healthz",
        },
        url: `${system.url("gateway")}/healthz`,
        watch: pids(system, "gateway"),
      },
      {
        spec: { id: "bare-proxy", label: "bare keep-alive node:http proxy → hello", request: "GET /" },
        url: bareProxy.url,
        watch: { proxy: bareProxy.pid, hello: hello.pid },
      },
      {
        spec: { id: "inventory-direct", label: "inventory direct", request: "GET /api/products" },
        url: `${system.url("inventory")}/api/products`,
        watch: pids(system, "inventory"),
      },
      {
        spec: {
          id: "gateway-products",
          label: "gateway → inventory (part 1)",
          request: "GET /api/products",
          target: 0.3,
        },
        url: `${system.url("gateway")}/api/products`,
        watch: pids(system, "gateway", "inventory"),
      },
      {
        spec: { id: "bare-order-list", label: "bare node:http + libSQL order list", request: "GET /" },
        url: bareOrders.url,
        watch: { reader: bareOrders.pid },
      },
      {
        spec: {
          id: "bare-proxy-order-list",
          label: "bare proxy → bare order list (part 2's floor)",
          request: "GET /",
        },
        url: bareOrdersProxy.url,
        watch: { proxy: bareOrdersProxy.pid, reader: bareOrders.pid },
      },
      {
        spec: { id: "order-direct", label: "order direct, JWT", request: "GET /api/orders" },
        url: `${system.url("order")}/api/orders`,
        headers: bearer,
        watch: pids(system, "order"),
      },
      {
        spec: {
          id: "gateway-orders",
          label: "gateway → order, JWT + RBAC + rate limit (part 2)",
          request: "GET /api/orders",
          target: 0.25,
        },
        url: `${system.url("gateway")}/api/orders`,
        headers: bearer,
        watch: pids(system, "gateway", "order"),
      },
    ];
    const results: HttpCase[] = [];
    for (const step of plan) {
      const baseline = await measure(hello.url, settings, { watch: { hello: hello.pid } });
      const result = await measure(step.url, settings, { headers: step.headers ?? {}, watch: step.watch });
      const ratio = result.requestsPerSecond / baseline.requestsPerSecond;
      progress(
        `${step.spec.label}: ${Math.round(result.requestsPerSecond)} req/s vs ${Math.round(baseline.requestsPerSecond)} ` +
          `(ratio ${ratio.toFixed(3)}), errors ${result.errors + result.non2xx}`,
      );
      results.push({ ...step.spec, result, baseline, ratio });
    }
    return results;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await system.stop();
  }
}
