import type { Context, Hono, MiddlewareHandler } from "hono";
import { Counter } from "prom-client";
import { authenticate, requireRole } from "@bazaar/shared/auth";
import {
  clientOf,
  createHttpApp,
  problem,
  problemAnswer,
  trustedProxies,
  type AppEnv,
} from "@bazaar/shared/http";
import type { Logger, Metrics } from "@bazaar/shared/observability";
import type { GatewayDeps } from "./deps";
import { lazyDocs } from "./docs/lazy";
import { corsFor } from "./edge/cors";
import { MicroCache } from "./edge/micro-cache";
import { createRateLimiter, rateLimit } from "./edge/rate-limit";
import { forwardTo } from "./proxy/forward";
import {
  createRouteLookup,
  edgeRoles,
  readsToken,
  routeTable,
  type RateClass,
  type RouteRule,
} from "./routes-table";
import { mountWeb } from "./web";

/** The public catalog: the same for every anonymous reader, so its answers may be shared for a moment. */
const isCatalogRead = (rule: RouteRule): boolean =>
  rule.method === "GET" && rule.access === "public" && rule.upstream === "inventory";

/**
 * The gateway: the only public function. Every path of the routing table passes, in order: token check
 * (a bad token is 401 even on a public route; login, refresh and logout do not read one), rate limit, role
 * check, then the proxy to its function behind that function's breaker (anonymous catalog reads may be
 * answered from the edge cache instead).
 * /healthz and /readyz come from the shared app and are never limited. /metrics is not served here: this
 * port is the public entry, and server.ts serves the metrics to Prometheus on a private port.
 */
export function createApp(deps: GatewayDeps): Hono<AppEnv> {
  const app = createHttpApp({ ...deps.http, servesMetrics: false });
  const trusted = trustedProxies(deps.trustedProxies);
  const clientOfRequest = (c: Context<AppEnv>) => clientOf(c, trusted);
  const limits = {
    limiter: createRateLimiter(deps.rateLimits, deps.rateLimitStore, {
      onFallback: storeFallbacks(deps.http.metrics, deps.http.logger),
    }),
    rejections: rateLimitRejections(deps.http.metrics),
    clientKey: (c: Context<AppEnv>, rateClass: RateClass) => {
      const principal = c.get("principal");
      // Logins are guessed per address: any valid token, even the attacker's own, must not buy a new budget.
      return principal && rateClass !== "auth" ? `user:${principal.id}` : `ip:${clientOfRequest(c).address}`;
    },
  };
  const checkToken = authenticate(deps.verify);
  const tokenCheckOf = (rule: RouteRule) => (readsToken(rule.access) ? checkToken : ignoreToken);
  const catalogCache = deps.catalogCacheMs > 0 ? new MicroCache({ ttlMs: deps.catalogCacheMs }) : undefined;

  if (deps.corsOrigins.length > 0) app.use("*", corsFor(deps.corsOrigins));

  const docs = lazyDocs(routeTable, deps.rateLimits);
  app.get("/openapi.json", (c) => c.json(docs.document()));
  app.get("/docs", (c) => c.html(docs.page()));

  for (const rule of routeTable) {
    const roles = edgeRoles(rule.access);
    const roleCheck = roles ? [requireRole(...roles)] : [];
    app.on(
      rule.method,
      rule.path,
      tokenCheckOf(rule),
      rateLimit(rule, limits),
      ...roleCheck,
      forwardTo(
        deps.upstreams[rule.upstream],
        clientOfRequest,
        isCatalogRead(rule) ? catalogCache : undefined,
      ),
    );
  }

  if (deps.web) mountWeb(app, deps.web, trusted);

  const lookup = createRouteLookup(routeTable);
  app.notFound((c) => {
    const allowed = lookup.methodsFor(c.req.path);
    const [status, detail] =
      allowed.length > 0
        ? ([405, `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(", ")}`] as const)
        : ([404, `no route for ${c.req.method} ${c.req.path}`] as const);
    return problemAnswer(
      c,
      { ...problem(status, detail), instance: c.req.path },
      status === 405 ? { allow: allowed.join(", ") } : {},
    );
  });
  return app;
}

/**
 * Login, refresh and logout carry their credentials in the body: a stale token sent along must not refuse
 * them. A middleware that does nothing rather than none: Hono types a route's handlers only when the first
 * is not spread.
 */
const ignoreToken: MiddlewareHandler<AppEnv> = async function ignoreToken(_c, next) {
  await next();
};

/**
 * rate_limit_store_fallbacks_total: requests counted in this replica's memory because the shared store did
 * not answer (each replica then lets a client have the whole limit). Logged at most once a minute.
 */
function storeFallbacks(metrics: Metrics, logger: Logger): () => void {
  const name = "rate_limit_store_fallbacks_total";
  const counter =
    (metrics.registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({
      name,
      help: "Requests whose rate limit was counted in this replica's memory: the shared store did not answer",
      registers: [metrics.registry],
    });
  let loggedAt = -Infinity;
  return () => {
    counter.inc();
    if (Date.now() - loggedAt < 60_000) return;
    loggedAt = Date.now();
    logger.warn("rate-limit store unavailable: counting in this replica's memory until it answers");
  };
}

/** rate_limit_rejections_total{route}: one per 429 the gateway answered, by route template. */
function rateLimitRejections(metrics: Metrics): Counter<"route"> {
  const name = "rate_limit_rejections_total";
  return (
    (metrics.registry.getSingleMetric(name) as Counter<"route"> | undefined) ??
    new Counter({
      name,
      help: "Requests refused with 429 by the gateway's rate limits, by route template",
      labelNames: ["route"],
      registers: [metrics.registry],
    })
  );
}
