# syntax=docker/dockerfile:1
# One image for every Bazaar function and the dev broker. `node dist/<name>/index.js` runs one: Knative
# Services pass it as args (knative/services/), compose as command (compose.dev.yaml).
#
#   docker build -t dev.local/bazaar/functions:dev .
#
# Node 22, the floor (package.json's engines) and the current LTS line. Each bundle brings its own V8 code cache,
# warmed below; Node 22's module compile cache keeps the rest (loaders, libSQL's JavaScript).
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: every dependency, dev ones included, to bundle the functions ------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# The manifests first, so the npm ci layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY broker/package.json broker/
COPY functions/customer/package.json functions/customer/
COPY functions/dead-letters/package.json functions/dead-letters/
COPY functions/gateway/package.json functions/gateway/
COPY functions/inventory/package.json functions/inventory/
COPY functions/notification/package.json functions/notification/
COPY functions/order/package.json functions/order/
COPY functions/payment/package.json functions/payment/
COPY functions/shipping/package.json functions/shipping/
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY shared shared
COPY broker broker
COPY functions functions
COPY scripts scripts
# One bundle per function (dist/<name>/index.js, migrations beside it); only production dependencies go on:
# the packages the bundles load at run time (`libsql`, its loader and its native driver), nothing else.
RUN npm run build \
    && find dist -name '*.map' -delete \
    && node --import tsx scripts/docker/runtime-deps.ts /out \
    && node_modules/.bin/esbuild scripts/docker/warm.ts --bundle --platform=node --format=esm \
        --target=node22 --outfile=/out/warm.mjs --log-level=warning \
    && mkdir /out/data /out/event-keys

# ---- runtime: Node, the bundles and that one dependency ----------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# HOST: a function listens on loopback unless told otherwise; in a container it must take connections from
# outside (kubelet's probes, Prometheus, other containers), so the image says 0.0.0.0.
ENV NODE_ENV=production \
    NODE_COMPILE_CACHE=/app/.cache/node-compile \
    DATA_DIR=/data \
    HOST=0.0.0.0
WORKDIR /app
# npm, npx, corepack and yarn build things; a function never runs them.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
        /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
COPY --from=build /src/dist dist
COPY --from=build /out/node_modules node_modules
# The dev broker routes by the same Trigger manifests as the cluster.
COPY knative/triggers knative/triggers
# A writable home for embedded databases and dev keys (compose mounts a volume here; Knative uses /tmp).
COPY --from=build --chown=1000:1000 /out/data /data
# Where compose mounts the volume of public event keys that every producer writes its own into (EVENT_KEYS_DIR):
# a fresh named volume takes this folder's owner, so uid 1000 can write there. Knative mounts a ConfigMap here.
COPY --from=build --chown=1000:1000 /out/event-keys /event-keys
# Start every function once and stop it: fails the build unless each starts with these node_modules, and
# leaves V8's compiled code beside each bundle and in NODE_COMPILE_CACHE (read-only for uid 1000), which
# every cold start reads. V8 accepts it only under the same V8 flags: set none in NODE_OPTIONS (a flag also
# costs Node's own built-in code cache, 25-40 ms per start).
RUN --mount=type=bind,from=build,source=/out/warm.mjs,target=/tmp/warm.mjs node /tmp/warm.mjs /app
# The node image's "node" user, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node"]
CMD ["dist/gateway/index.js"]
