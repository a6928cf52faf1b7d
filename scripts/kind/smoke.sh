#!/usr/bin/env bash
# Drives the deployed shop through the Kourier ingress the way a client would: health, the public catalogue,
# that only the gateway is public, a new customer, an order that must travel the whole saga over the RabbitMQ
# Broker (cold starts included) to "confirmed", the customer's notifications, and the admin's dead letters.
# Uses the Host header against 127.0.0.1, so it needs no DNS. Exits non-zero on the first failed check.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SMOKE_TIMEOUT="${SMOKE_TIMEOUT:-180}"

step "Checking prerequisites"
need_kubectl
need_kind
need curl "curl: your package manager"
need_node
check_prerequisites
require_cluster

gateway_url="$(kube -n "$NAMESPACE" get ksvc gateway -o jsonpath='{.status.url}')"
[[ -n "$gateway_url" ]] || fail "the gateway has no URL yet: run scripts/kind/deploy.sh"
host="${gateway_url#*://}"
base="http://127.0.0.1:$INGRESS_PORT"
info "gateway: $gateway_url (via $base)"

body="$(mktemp)"
trap 'rm -f "$body"' EXIT
status=""

# request METHOD PATH [JSON] [TOKEN] [HOST]: sets $status, leaves the body in $body.
request() {
  local args=(-sS -o "$body" -w '%{http_code}' -X "$1" -H "Host: ${5:-$host}" -H "Accept: application/json")
  [[ -n "${3:-}" ]] && args+=(-H "Content-Type: application/json" --data "$3")
  [[ -n "${4:-}" ]] && args+=(-H "Authorization: Bearer $4")
  status="$(curl "${args[@]}" "$base$2")" || status="000"
}
# field a.b.c: a value from the last JSON body ("" when absent).
field() {
  node -e '
    let value = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const key of process.argv[2].split(".").filter(Boolean)) value = value?.[key];
    process.stdout.write(value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
  ' "$body" "$1"
}
expect_status() {
  [[ "$status" == "$1" ]] || fail "$2: expected HTTP $1, got $status: $(head -c 300 "$body")"
  info "ok  $2"
}

step "Public entry"
request GET /healthz
expect_status 200 "GET /healthz"
request GET "/api/products?limit=5"
expect_status 200 "GET /api/products"
products="$(field products)"
[[ "$products" == "["* && "$products" != "[]" ]] || fail "the catalogue is empty: $(head -c 300 "$body")"
product_id="$(field products.0.id)"
info "ok  the catalogue is there (ordering product $product_id)"
request GET /healthz "" "" "order.$NAMESPACE.127.0.0.1.sslip.io"
[[ "$status" == 404 ]] || fail "order answered through the ingress (HTTP $status): it must be cluster-local"
info "ok  order is not reachable from outside (404)"

step "A customer places an order"
email="smoke-$(date +%s)-$RANDOM@example.com"
password="smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
request POST /auth/register "{\"name\":\"Smoke Test\",\"email\":\"$email\",\"password\":\"$password\"}"
expect_status 201 "POST /auth/register"
request POST /auth/login "{\"email\":\"$email\",\"password\":\"$password\"}"
expect_status 200 "POST /auth/login"
token="$(field token)"
request POST /api/orders "{\"product_id\":$product_id,\"quantity\":1,\"payment_method\":\"tok_visa\"}" "$token"
expect_status 202 "POST /api/orders"
order_id="$(field order_id)"
info "order $order_id is pending"

step "The saga runs over the Broker (up to ${SMOKE_TIMEOUT}s: functions may start from zero)"
deadline=$((SECONDS + SMOKE_TIMEOUT))
last=""
while :; do
  request GET "/api/orders/$order_id" "" "$token"
  current="$(field status)"
  [[ "$current" != "$last" ]] && info "status: ${current:-HTTP $status}" && last="$current"
  case "$current" in
    confirmed | shipped | delivered) break ;;
    rejected | cancelled) fail "order $order_id ended $current: $(field timeline)" ;;
  esac
  ((SECONDS < deadline)) || fail "order $order_id still '$current' after ${SMOKE_TIMEOUT}s"
  sleep 2
done
info "ok  order $order_id confirmed (payment $(field payment_status))"

deadline=$((SECONDS + 60))
until request GET /api/notifications "" "$token" && [[ "$status" == 200 && "$(field total)" -gt 0 ]]; do
  ((SECONDS < deadline)) || fail "no notification for the customer after 60s"
  sleep 2
done
info "ok  the customer has $(field total) notification(s)"

step "Dead letters"
admin_email="$(kube -n "$NAMESPACE" get secret admin-credentials -o jsonpath='{.data.email}' | base64 -d)"
admin_password="$(kube -n "$NAMESPACE" get secret admin-credentials -o jsonpath='{.data.password}' | base64 -d)"
request POST /auth/login "{\"email\":\"$admin_email\",\"password\":\"$admin_password\"}"
expect_status 200 "admin login"
request GET /api/dead-letters "" "$(field token)"
expect_status 200 "GET /api/dead-letters"
dead="$(field total)"
[[ -z "$dead" || "$dead" == 0 ]] || warn "$dead dead letter(s): kubectl -n $NAMESPACE logs -l serving.knative.dev/service=dead-letters"

step "Smoke test passed"
