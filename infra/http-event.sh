#!/usr/bin/env bash
# Prints an API Gateway HTTP API (payload 2.0) event for one request, starting from
# `sam local generate-event apigateway http-api-proxy` (offline) and adjusting it to
# look like what API Gateway sends for the route.
#
#   infra/http-event.sh METHOD PATH [--route 'METHOD /template/{param}'] \
#       [--header 'name: value']... [--body JSON]
#
# PATH may carry a query string (/v1/tasks?status=open). --route defaults to
# "METHOD PATH" (right for routes without parameters); with it, pathParameters are
# filled from the {param} segments. Header names are lower-cased, as API Gateway does.
# FIXTURE=1 keeps request id and time fixed (for the committed fixtures in infra/events/).
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -ge 2 ] || die "usage: $0 METHOD PATH [--route 'METHOD /path/{p}'] [--header 'k: v']... [--body JSON]"
method="$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')"
target="$2"
shift 2
route="" body="" has_body=false
headers='{}'
while [ $# -gt 0 ]; do
  case "$1" in
    --route) route="$2"; shift 2 ;;
    --body) body="$2"; has_body=true; shift 2 ;;
    --header)
      name="$(printf '%s' "${2%%:*}" | tr '[:upper:]' '[:lower:]')"
      value="${2#*:}"; value="${value# }"
      headers="$(jq -c --arg k "$name" --arg v "$value" '. + {($k): $v}' <<<"$headers")"
      shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done

path="${target%%\?*}"
query=""
[ "$path" != "$target" ] && query="${target#*\?}"
[ -n "$route" ] || route="$method $path"

sam_args=(local generate-event apigateway http-api-proxy --method "$method" --path "${path#/}")
$has_body && sam_args+=(--body "$body")
base="$(sam "${sam_args[@]}")"

if [ "${FIXTURE:-0}" = 1 ]; then
  request_id="fixture-request-id" epoch_ms=1767268800000 time="01/Jan/2026:12:00:00 +0000"
else
  request_id="req-$(date +%s%N)" epoch_ms="$(date +%s%3N)" time="$(date -u '+%d/%b/%Y:%H:%M:%S +0000')"
fi

jq --arg route "$route" --arg path "$path" --arg query "$query" \
   --argjson headers "$headers" --argjson has_body "$has_body" \
   --arg request_id "$request_id" --argjson epoch_ms "$epoch_ms" --arg time "$time" '
  # {param} segments of the route template -> pathParameters
  (($route | split(" ")[1] | split("/")) as $r
    | ($path | split("/")) as $p
    | [range(0; $r | length)
       | select($r[.] | test("^\\{[^}]+\\}$"))
       | {key: ($r[.] | ltrimstr("{") | rtrimstr("}") | rtrimstr("+")), value: $p[.]}]
    | from_entries) as $params
  | ([$query | split("&")[] | select(length > 0) | split("=")
      | {key: .[0], value: (.[1:] | join("="))}]
     | group_by(.key) | map({key: .[0].key, value: (map(.value) | join(","))}) | from_entries) as $qs
  | .routeKey = $route
  | .requestContext.routeKey = $route
  | .rawPath = $path
  | .requestContext.http.path = $path
  | .requestContext.http.sourceIp = "203.0.113.10"
  | .requestContext.http.userAgent = "frontdesk-contract-test"
  | .requestContext.requestId = $request_id
  | .requestContext.time = $time
  | .requestContext.timeEpoch = $epoch_ms
  | del(.cookies, .stageVariables, .requestContext.authorizer, .requestContext.authentication)
  | .rawQueryString = $query
  | (if ($qs | length) > 0 then .queryStringParameters = $qs else del(.queryStringParameters) end)
  | (if ($params | length) > 0 then .pathParameters = $params else del(.pathParameters) end)
  | .headers = ({
      "host": .requestContext.domainName,
      "user-agent": "frontdesk-contract-test",
      "x-forwarded-for": "203.0.113.10",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https"
    } + $headers)
  # API Gateway passes a JSON body as text; SAM base64-encodes it.
  | (if $has_body then
       .body = (.body | @base64d) | .isBase64Encoded = false
       | .headers["content-type"] //= "application/json"
       | .headers["content-length"] = (.body | utf8bytelength | tostring)
     else del(.body) | .isBase64Encoded = false end)
' <<<"$base"
