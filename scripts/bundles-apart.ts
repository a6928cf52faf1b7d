/**
 * Code a function loads only when its configuration asks for it, bundled into a file of its own so that a
 * start without it reads none of it (scripts/build.ts). In the source it is an ordinary dynamic
 * `import(specifier)` from `importer`; in a bundle that import becomes a require() of dist/<file>.
 */
export interface BundleApart {
  /** What it is and when it is read, for the build's log and the image's warm step. */
  what: string;
  importer: string;
  specifier: string;
  source: string;
  /** Under dist/. */
  file: string;
}

export const bundlesApart: readonly BundleApart[] = [
  {
    what: "the OpenTelemetry SDK, read when tracing is on",
    importer: "shared/observability/tracing.ts",
    specifier: "./tracing-sdk",
    source: "shared/observability/tracing-sdk.ts",
    file: "tracing-sdk.js",
  },
  {
    what: "the gateway's Redis client, read when RATE_LIMIT_REDIS_URL is set",
    importer: "functions/gateway/src/edge/rate-limit-store.ts",
    specifier: "./redis-client",
    source: "functions/gateway/src/edge/redis-client.ts",
    file: "gateway/redis-client.js",
  },
];
