#!/usr/bin/env bash
# Creates the kind cluster and installs what Bazaar runs on: Knative Serving with Kourier, Knative Eventing,
# cert-manager, the RabbitMQ cluster and messaging topology operators and eventing-rabbitmq, all on the 1.22
# line. Every step can run again: an existing cluster is kept and `kubectl apply` changes only what differs.
# Then: scripts/kind/deploy.sh.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

step "Checking prerequisites"
need_docker
need_kind
need_kubectl
check_prerequisites
require_docker_running
kind_version="$(kind version | sed -n 's/^kind v\([0-9]*\.[0-9]*\).*/\1/p')"
if [[ -n "$kind_version" ]] && (( ${kind_version#*.} < 30 )) && (( ${kind_version%%.*} == 0 )); then
  warn "kind $kind_version is older than 0.30; Knative 1.22 needs its Kubernetes 1.34 node image"
fi
info "docker, kind ${kind_version:-?}, kubectl: ok"

step "kind cluster '$CLUSTER'"
if cluster_exists; then
  info "exists, kept (scripts/kind/down.sh deletes it)"
else
  kind create cluster --name "$CLUSTER" --config "$ROOT/kind-config.yaml"
fi
kube get --raw /readyz >/dev/null

apply_url() {
  info "applying $1"
  retry 5 10 kube apply -f "$1" >/dev/null
}
wait_for_crds() {
  info "waiting for the CRDs to be established"
  kube wait --for=condition=Established crd --all --timeout=120s >/dev/null
}

step "Knative Serving $KNATIVE_SERVING_VERSION"
serving="https://github.com/knative/serving/releases/download/$KNATIVE_SERVING_VERSION"
apply_url "$serving/serving-crds.yaml"
wait_for_crds
apply_url "$serving/serving-core.yaml"
wait_for_deployments knative-serving

step "Kourier $KOURIER_VERSION (ingress on host port $INGRESS_PORT)"
apply_url "https://github.com/knative-extensions/net-kourier/releases/download/$KOURIER_VERSION/kourier.yaml"
wait_for_deployments kourier-system
retry 5 10 kube apply -f "$ROOT/scripts/kind/kourier-ingress.yaml" >/dev/null
info "Knative routes through Kourier; public URLs end in .127.0.0.1.sslip.io"
retry 5 10 kube -n knative-serving patch configmap/config-network --type merge \
  -p '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}' >/dev/null
retry 5 10 kube -n knative-serving patch configmap/config-domain --type merge \
  -p '{"data":{"127.0.0.1.sslip.io":""}}' >/dev/null
wait_for_deployments knative-serving

step "Knative Eventing $KNATIVE_EVENTING_VERSION"
eventing="https://github.com/knative/eventing/releases/download/$KNATIVE_EVENTING_VERSION"
apply_url "$eventing/eventing-crds.yaml"
wait_for_crds
apply_url "$eventing/eventing-core.yaml"
wait_for_deployments knative-eventing

step "cert-manager $CERT_MANAGER_VERSION (the topology operator's webhooks need it)"
apply_url "https://github.com/cert-manager/cert-manager/releases/download/$CERT_MANAGER_VERSION/cert-manager.yaml"
wait_for_deployments cert-manager

step "RabbitMQ cluster operator $RABBITMQ_CLUSTER_OPERATOR_VERSION"
apply_url "https://github.com/rabbitmq/cluster-operator/releases/download/$RABBITMQ_CLUSTER_OPERATOR_VERSION/cluster-operator.yml"
wait_for_deployments rabbitmq-system

step "RabbitMQ messaging topology operator $RABBITMQ_TOPOLOGY_OPERATOR_VERSION"
apply_url "https://github.com/rabbitmq/messaging-topology-operator/releases/download/$RABBITMQ_TOPOLOGY_OPERATOR_VERSION/messaging-topology-operator-with-certmanager.yaml"
wait_for_crds
wait_for_deployments rabbitmq-system

step "eventing-rabbitmq $EVENTING_RABBITMQ_VERSION (the RabbitMQBroker class)"
apply_url "https://github.com/knative-extensions/eventing-rabbitmq/releases/download/$EVENTING_RABBITMQ_VERSION/rabbitmq-broker.yaml"
wait_for_crds
wait_for_deployments knative-eventing

step "Knative's own traces to Bazaar's OpenTelemetry Collector"
# queue-proxy and the activator (knative-serving), the broker's ingress and dispatchers (knative-eventing)
# export OTLP to the collector that knative/observability deploys, so their spans join the functions' traces.
# Until that collector runs (scripts/kind/deploy.sh), Knative's exports simply fail.
knative_tracing='{"data":{"tracing-protocol":"http/protobuf","tracing-endpoint":"http://otel-collector.bazaar.svc.cluster.local:4318/v1/traces","tracing-sampling-rate":"1"}}'
for namespace in knative-serving knative-eventing; do
  retry 5 10 kube -n "$namespace" patch configmap/config-observability --type merge -p "$knative_tracing" >/dev/null
done
info "config-observability: tracing-protocol http/protobuf, every request sampled"

step "Cluster '$CLUSTER' is ready"
info "next: scripts/kind/deploy.sh   (builds the image, creates the Secrets, applies knative/)"
