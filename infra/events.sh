#!/usr/bin/env bash
# Regenerates the event fixtures in infra/events/ (`make events`). They are real API
# Gateway v2 events (from `sam local generate-event`, adjusted by infra/http-event.sh) for
# handler tests and for `sam local invoke -e` (Docker). Tokens are placeholders:
# local-operator-secret is the local default; replace API_KEY with a key from POST /v1/practices.
set -euo pipefail
. "$(dirname "$0")/common.sh"
ensure_venv
out="$FRONTDESK_ROOT/infra/events/practice-api"
mkdir -p "$out"
ev() { local name="$1"; shift; FIXTURE=1 "$FRONTDESK_ROOT/infra/http-event.sh" "$@" >"$out/$name.json"; echo "  $out/$name.json"; }

ev create-practice POST /v1/practices --header 'Authorization: Bearer local-operator-secret' \
  --body '{"name":"Contract Dental","time_zone":"America/Chicago"}'
ev get-practice-without-auth GET /v1/practice
ev get-practice GET /v1/practice --header 'Authorization: Bearer API_KEY'
ev put-patient PUT /v1/patients/pat-1001 --route 'PUT /v1/patients/{patient_id}' \
  --header 'Authorization: Bearer API_KEY' \
  --body '{"first_name":"Ana","last_name":"Lopez","phone":"+13125550101","email":"ana@example.com","preferred_channel":"sms","consents":{"sms":{"care":true,"reviews":true}}}'
ev get-patient-timeline GET /v1/patients/pat-1001/timeline --route 'GET /v1/patients/{patient_id}/timeline' \
  --header 'Authorization: Bearer API_KEY'
ev cancel-appointment POST /v1/appointments/apt-2001/cancel --route 'POST /v1/appointments/{appointment_id}/cancel' \
  --header 'Authorization: Bearer API_KEY'
ev list-open-tasks GET '/v1/tasks?status=open' --header 'Authorization: Bearer API_KEY'
