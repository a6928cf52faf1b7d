#!/usr/bin/env bash
# Builds the one image, loads it into kind, makes sure the Secrets exist, applies knative/ and waits until
# everything is Ready. Safe to run again: an unchanged build keeps its tag, so no new Revision is made.
#
# The image is tagged with its own content id as well as :dev, and knative/ is applied with that tag: Knative
# pins a Revision to the image it was made with, so a new build must have a new name to become a new Revision.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

step "Checking prerequisites"
need_docker
need_kind
need_kubectl
need_node
check_prerequisites
require_docker_running
require_node_modules
require_cluster
info "docker, kind, kubectl, node and the cluster '$CLUSTER': ok"

step "Building $IMAGE_REPO (every function's bundle in one image)"
docker build --tag "$IMAGE_REPO:dev" "$ROOT"
image_id="$(docker image inspect --format '{{.Id}}' "$IMAGE_REPO:dev")"
tag="${image_id#sha256:}"
tag="${tag:0:12}"
docker tag "$IMAGE_REPO:dev" "$IMAGE_REPO:$tag"
info "tagged $IMAGE_REPO:$tag"

step "Loading the image into kind"
kind load docker-image "$IMAGE_REPO:$tag" --name "$CLUSTER"

step "Namespace and Secrets"
kube apply -f "$ROOT/knative/namespace.yaml" >/dev/null
"$ROOT/scripts/kind/secrets.sh"

step "Applying knative/ with image $IMAGE_REPO:$tag"
rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kube kustomize "$ROOT/knative" | sed "s|$IMAGE_REPO:dev|$IMAGE_REPO:$tag|g" >"$rendered"
info "$(grep -c '^kind:' "$rendered") objects"
# A just-created CRD's webhook may refuse the first attempt; apply is idempotent, so try again.
retry 5 10 kube apply -f "$rendered"

step "Waiting for RabbitMQ, the databases and Valkey"
kube -n "$NAMESPACE" wait rabbitmqcluster/rabbitmq --for=condition=AllReplicasReady --timeout=10m
kube -n "$NAMESPACE" rollout status statefulset/sqld --timeout=5m
kube -n "$NAMESPACE" rollout status deployment/valkey --timeout=5m

step "Waiting for the Broker"
kube -n "$NAMESPACE" wait broker/default --for=condition=Ready --timeout=10m

step "Waiting for every Knative Service"
kube -n "$NAMESPACE" wait ksvc --all --for=condition=Ready --timeout=10m

step "Waiting for the Triggers, SinkBindings and PingSources"
kube -n "$NAMESPACE" wait trigger --all --for=condition=Ready --timeout=10m
kube -n "$NAMESPACE" wait sinkbinding --all --for=condition=Ready --timeout=5m
kube -n "$NAMESPACE" wait pingsource --all --for=condition=Ready --timeout=5m

step "Deployed"
gateway="$(kube -n "$NAMESPACE" get ksvc gateway -o jsonpath='{.status.url}')"
suffix=""
[[ "$INGRESS_PORT" == 80 ]] || suffix=":$INGRESS_PORT"
info "gateway: $gateway$suffix (offline: curl -H 'Host: ${gateway#http://}' http://127.0.0.1:$INGRESS_PORT/healthz)"
info "next: scripts/kind/smoke.sh"
