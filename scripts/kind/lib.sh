# shellcheck shell=bash
# Shared by the scripts beside it (sourced, not run): names, pinned versions, progress lines and the
# prerequisite checks. Every version can be overridden from the environment.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
CLUSTER="${CLUSTER:-bazaar}"
# shellcheck disable=SC2034 # used by the scripts that source this file
NAMESPACE=bazaar
# shellcheck disable=SC2034
IMAGE_REPO=dev.local/bazaar/functions
# The host port kind-config.yaml maps to Kourier.
INGRESS_PORT="${INGRESS_PORT:-80}"

# The Knative 1.22 line throughout: eventing-rabbitmq has no 1.23 release, and extensions follow core per minor.
KNATIVE_SERVING_VERSION="${KNATIVE_SERVING_VERSION:-knative-v1.22.1}"
KOURIER_VERSION="${KOURIER_VERSION:-knative-v1.22.1}"
KNATIVE_EVENTING_VERSION="${KNATIVE_EVENTING_VERSION:-knative-v1.22.2}"
EVENTING_RABBITMQ_VERSION="${EVENTING_RABBITMQ_VERSION:-knative-v1.22.1}"
CERT_MANAGER_VERSION="${CERT_MANAGER_VERSION:-v1.20.2}"
RABBITMQ_CLUSTER_OPERATOR_VERSION="${RABBITMQ_CLUSTER_OPERATOR_VERSION:-v2.22.3}"
RABBITMQ_TOPOLOGY_OPERATOR_VERSION="${RABBITMQ_TOPOLOGY_OPERATOR_VERSION:-v1.20.1}"

STARTED_AT=$SECONDS

step() { printf '\n\033[1m==> %s\033[0m  (%ss)\n' "$*" "$((SECONDS - STARTED_AT))"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '    \033[33mwarning:\033[0m %s\n' "$*" >&2; }
fail() {
  printf '\033[31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# Prerequisites are collected first and reported together, each with where to get it.
MISSING=()
need() {
  command -v "$1" >/dev/null 2>&1 || MISSING+=("$1 — $2")
}
check_prerequisites() {
  if ((${#MISSING[@]} > 0)); then
    printf '\033[31mmissing prerequisites:\033[0m\n' >&2
    printf '  - %s\n' "${MISSING[@]}" >&2
    exit 1
  fi
}
need_docker() { need docker "Docker Engine or Docker Desktop: https://docs.docker.com/get-docker/"; }
need_kind() { need kind "kind 0.30 or newer: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"; }
need_kubectl() { need kubectl "kubectl 1.34 or newer: https://kubernetes.io/docs/tasks/tools/"; }
need_node() { need node "Node.js 20.19 or newer (and \`npm ci\` in $ROOT): https://nodejs.org/"; }

require_docker_running() {
  docker info >/dev/null 2>&1 || fail "docker is installed but its engine does not answer: start Docker and try again"
}

require_node_modules() {
  [[ -x "$ROOT/node_modules/.bin/tsx" ]] || fail "node_modules is missing: run \`npm ci\` in $ROOT first"
}

# kubectl always against the kind cluster, whatever the current context is.
kube() { kubectl --context "kind-$CLUSTER" "$@"; }

cluster_exists() { kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; }

require_cluster() {
  cluster_exists || fail "there is no kind cluster named '$CLUSTER': run scripts/kind/up.sh first"
  kube get --raw /readyz >/dev/null 2>&1 || fail "the kind cluster '$CLUSTER' does not answer: is Docker running?"
}

# Runs a command until it succeeds: webhooks of a just-installed component refuse requests for a while.
# Its progress goes to stderr, so the command's own output can be silenced.
retry() {
  local attempts=$1 delay=$2
  shift 2
  local n
  for ((n = 1; n <= attempts; n++)); do
    "$@" && return 0
    ((n < attempts)) && info "not yet, retrying in ${delay}s ($n/$attempts)" >&2 && sleep "$delay"
  done
  return 1
}

# Waits until every Deployment in a namespace is Available.
wait_for_deployments() {
  local namespace=$1 timeout=${2:-600s}
  info "waiting for the deployments in $namespace"
  kube -n "$namespace" wait --for=condition=Available deployment --all --timeout="$timeout" >/dev/null
}
