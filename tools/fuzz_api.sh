#!/usr/bin/env bash
# Fuzzes the HTTP API of `leitmotif serve` with schemathesis against its /openapi.json
# (outside CI: it needs Python). Passes when schemathesis finds no failure and the server's
# own metrics show no 5xx status other than the documented 503/504.
#
#   tools/fuzz_api.sh [MAX_SECONDS]      (default 300; venv in /tmp/st-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
max=${1:-300}
venv=/tmp/st-venv
[ -x "$venv/bin/schemathesis" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q schemathesis; }
cargo build --release --quiet
bin=$PWD/target/release/leitmotif
work=$(mktemp -d)
trap 'kill -TERM $pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" index build -o "$work/toy.idx" tests/fixtures/formats/*stereo_44k* >/dev/null
mkdir "$work/spool"
RUST_LOG=warn "$bin" serve --listen 127.0.0.1:0 --jobs 2 --queue 30 --index "$work/toy.idx" \
  --spool-dir "$work/spool" >"$work/out" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do
  addr=$(sed -n 's#^leitmotif serve: listening on http://##p' "$work/out")
  [ -n "$addr" ] && break
  sleep 0.1
done
status=0
"$venv/bin/schemathesis" run "http://$addr/openapi.json" --checks all \
  --exclude-checks positive_data_acceptance --max-time "$max" --workers 4 \
  --suppress-health-check all || status=$?
echo "== statuses the server answered (from /metrics):"
curl -s "http://$addr/metrics" | grep '^leitmotif_http_requests_total' | sed 's/^leitmotif_http_requests_total//'
bad=$(curl -s "http://$addr/metrics" | awk '/^leitmotif_http_requests_total/ && /status="5/ && !/status="50[34]"/ {s += $2} END {print s + 0}')
echo "5xx other than 503/504: $bad; spool files left: $(ls "$work/spool" | wc -l)"
[ "$bad" -eq 0 ] || status=1
exit "$status"
