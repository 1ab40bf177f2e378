#!/usr/bin/env bash
# The main job: installs what is missing, builds signflow, checks every
# workflow in examples/ against the sample configuration, draws each one (DOT
# and SVG under build/graphs/), then runs the daemon on examples/ with its
# SQLite database in var/ until Ctrl-C. Extra arguments go to `signflow
# serve` (e.g. --listen 127.0.0.1:9090, --log-format json).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
signflow=build/app/signflow

"$signflow" check --config examples/signflow.toml examples/
mkdir -p build/graphs
for f in examples/*.flow; do
  name=$(basename "$f" .flow)
  "$signflow" graph "$f" -o "build/graphs/$name.dot"
  dot -Tsvg "build/graphs/$name.dot" -o "build/graphs/$name.svg"
  printf '%-28s version %s  ->  build/graphs/%s.svg\n' "$name" "$("$signflow" compile --emit hash "$f" | cut -c1-12)" "$name"
done

# The sample configuration (examples/signflow.toml) reads its connectors'
# secrets from the environment, and its archives go to var/archive. Its
# endpoints are local stand-ins that nothing runs here, so placeholders do;
# a variable already set keeps its value.
mkdir -p var/archive/documents var/archive/deeds
for name in CRM_API_TOKEN BILLING_API_TOKEN INVOICING_API_TOKEN ESCROW_API_TOKEN HRIS_API_TOKEN \
            SMTP_PASSWORD RECRUITING_WEBHOOK_SECRET SMS_API_KEY LISTING_DESK_PHONE; do
  export "$name=${!name:-placeholder-for-the-examples}"
done
cat <<'EOF'

start an NDA (in another terminal, once the daemon says "serving"):

  curl -s -X POST http://127.0.0.1:8080/v1/events/form_submitted \
    -H "Authorization: Bearer $(cat var/signflow-admin.key)" -H 'Content-Type: application/json' \
    -d '{"form": "nda_request", "sender": "sales-7", "contact": {"name": "Ann Lee", "email": "ann@example.com"}}'

the prospect's email, with the signing link, appears in var/outbox/ as an .eml file:

  grep -ho 'http://[^ ]*/sign/[A-Za-z0-9_-]*' var/outbox/*.eml | tail -1

the dashboard: http://127.0.0.1:8080/ (its key: var/signflow-admin.key)

EOF
echo "starting the daemon on examples/ (database var/signflow.db; Ctrl-C stops it)"
exec "$signflow" serve --rules examples --db var/signflow.db --listen 127.0.0.1:8080 "$@"
