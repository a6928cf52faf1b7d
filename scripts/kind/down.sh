#!/usr/bin/env bash
# Deletes the kind cluster and everything in it (databases, RabbitMQ, Secrets). The built images stay in
# Docker: `docker image ls dev.local/bazaar/functions` to see them.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

step "Checking prerequisites"
need_kind
check_prerequisites

step "Deleting kind cluster '$CLUSTER'"
if cluster_exists; then
  kind delete cluster --name "$CLUSTER"
else
  info "there is no cluster named '$CLUSTER': nothing to do"
fi
