#!/usr/bin/env bash
# Load test of `leitmotif serve` on loopback with wrk (figures in docs/serve.md).
#
#   tools/load_test.sh [WORK_DIR]        (default /tmp/leitmotif-load)
#
# Needs ffmpeg, wrk and curl. Builds the release binary, renders its inputs from the
# committed sample tests/fixtures/librosa/music44.wav (5 s), then measures:
#   1. throughput: `extract --jobs N` over K copies of a 3-minute MP3, against the service
#      with N workers and N concurrent wrk connections on the same MP3 (two rounds each,
#      alternating), and the service's p50/p99 latency for that MP3;
#   2. REQS short requests (a 1 s MP3 fixture) with 2N connections: errors, and the
#      server's RSS sampled every second (flat after warm-up?);
#   3. 64 concurrent uploads of a 2-hour FLAC (mono, 8 kHz) with --queue 62: peak RSS and
#      the statuses, sampled for at most LONG_WINDOW seconds (a full drain of 64 two-hour
#      analyses on 2 cores takes about 20 minutes; the window covers every upload spooled
#      and the first analyses, after which the server is stopped with SIGTERM).
# Environment: N (default: cores), K (16), REQS (10000), DURATION (60, seconds per
# throughput round), LONG_WINDOW (180), PHASES ("1 2 3": which of the three to run).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/leitmotif-load}
N=${N:-$(nproc)}
K=${K:-16}
REQS=${REQS:-10000}
DURATION=${DURATION:-60}
LONG_WINDOW=${LONG_WINDOW:-180}
PHASES=${PHASES:-1 2 3}
bin=$PWD/target/release/leitmotif
mkdir -p "$work/corpus" "$work/spool"
cargo build --release --quiet
sample=tests/fixtures/librosa/music44.wav
short=tests/fixtures/formats/mp3_cbr128_stereo_44k.mp3
song=$work/song3min.mp3
long=$work/long2h.flac
[ -s "$song" ] || ffmpeg -v error -nostdin -stream_loop 35 -i "$sample" -c:a libmp3lame -b:a 192k -ar 44100 -y "$song"
[ -s "$long" ] || ffmpeg -v error -nostdin -stream_loop 1439 -i "$sample" -ac 1 -ar 8000 -c:a flac -y "$long"
for i in $(seq -w 1 "$K"); do cp -f "$song" "$work/corpus/song$i.mp3"; done

pid=""
addr=""
start_server() {
  "$bin" serve --listen 127.0.0.1:0 --jobs "$N" --spool-dir "$work/spool" "$@" \
    >"$work/server.out" 2>"$work/server.log" &
  pid=$!
  for _ in $(seq 100); do
    addr=$(sed -n 's#^leitmotif serve: listening on http://##p' "$work/server.out")
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  echo "server did not start" >&2
  exit 1
}
stop_server() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
count_ok() { curl -s "http://$addr/metrics" | awk -F' ' '/^leitmotif_http_requests_total\{route="\/v1\/analyze",status="200"\}/ {print $2}'; }
count_all() { curl -s "http://$addr/metrics" | awk '/^leitmotif_http_requests_total\{route="\/v1\/analyze"/ {s += $2} END {print s + 0}'; }
now() { date +%s.%N; }
# Spooled bodies are unnamed files: count the server's open descriptors into the spool dir.
spooled() { find "/proc/$pid/fd" -lname "$(realpath "$work/spool")/*" 2>/dev/null | wc -l; }

if [[ " $PHASES " == *" 1 "* ]]; then
echo "== 1. throughput: extract --jobs $N vs serve --jobs $N, $N connections (3-min MP3)"
for round in 1 2; do
  t0=$(now)
  "$bin" extract -q --jobs "$N" "$work/corpus" >/dev/null
  t1=$(now)
  awk -v k="$K" -v a="$t0" -v b="$t1" -v r="$round" \
    'BEGIN { printf "round %d extract: %d tracks in %.1f s = %.3f tracks/s\n", r, k, b - a, k / (b - a) }'
  start_server
  BODY=$song LIMIT=0 wrk -t "$N" -c "$N" -d "${DURATION}s" --timeout 120s --latency \
    -s tools/load_post.lua "http://$addr/v1/analyze" >"$work/wrk_song_$round.txt"
  stop_server
  awk -v r="$round" '/Requests\/sec/ { printf "round %d serve:   %s tracks/s\n", r, $2 }
       /^ +(50|99)%/ { printf "round %d serve latency p%s %s\n", r, $1, $2 }
       /Non-2xx|Socket errors/ { print "round " r " serve: " $0 }
       / requests in / { print "round " r " serve: " $0 }' "$work/wrk_song_$round.txt"
done

fi

if [[ " $PHASES " == *" 2 "* ]]; then
echo "== 2. $REQS short requests, $((2 * N)) connections"
start_server
threads=$N
BODY=$short LIMIT=$(((REQS + threads - 1) / threads)) wrk -t "$threads" -c $((2 * N)) -d 1800s --timeout 60s --latency \
  -s tools/load_post.lua "http://$addr/v1/analyze" >"$work/wrk_short.txt" &
wrk_pid=$!
: >"$work/rss_short.tsv"
# wrk runs for a duration; it is interrupted (SIGINT: it prints its summary) once the server
# has answered REQS requests. Each thread also stops itself after REQS/threads responses.
while kill -0 "$wrk_pid" 2>/dev/null; do
  done_now=$(count_all)
  printf '%s\t%s\n' "$done_now" "$(rss_kb)" >>"$work/rss_short.tsv"
  if [ "${done_now:-0}" -ge "$REQS" ]; then kill -INT "$wrk_pid"; fi
  sleep 1
done
wait "$wrk_pid" || true
ok=$(count_ok)
total=$(count_all)
stop_server
grep -E "requests in|Requests/sec|Non-2xx|Socket errors|^ +(50|99)%" "$work/wrk_short.txt" || true
echo "server: $total answered on /v1/analyze, $ok with 200, $((total - ok)) errors"
awk -F'\t' '$1 >= 1000 && !w { w = $2 } { last = $2; if ($2 > max) max = $2 }
  END { printf "RSS after 1000 requests %.1f MiB, at the end %.1f MiB, max %.1f MiB\n", w / 1024, last / 1024, max / 1024 }' \
  "$work/rss_short.tsv"

fi

if [[ " $PHASES " == *" 3 "* ]]; then
echo "== 3. 64 concurrent uploads of a 2-hour FLAC ($(du -m "$long" | cut -f1) MB), --queue 62"
start_server --queue 62 --timeout 600 --shutdown-timeout 5
: >"$work/long_status.txt"
for i in $(seq 64); do
  (curl -s -o /dev/null -w '%{http_code}\n' -H 'Expect:' -X POST -T "$long" \
    "http://$addr/v1/analyze?name=long$i.flac" >>"$work/long_status.txt" || true) &
done
t0=$(now)
: >"$work/rss_long.tsv"
while [ "$(wc -l <"$work/long_status.txt")" -lt 64 ]; do
  el=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')
  [ "$el" -ge "$LONG_WINDOW" ] && break
  m=$(curl -s "http://$addr/metrics")
  adm=$(echo "$m" | awk '/^leitmotif_admitted / {print $2}')
  q=$(echo "$m" | awk '/^leitmotif_queue_depth / {print $2}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$el" "$(rss_kb)" "$adm" "$q" "$(spooled)" >>"$work/rss_long.tsv"
  sleep 1
done
peak=$(hwm_kb)
stop_server
wait 2>/dev/null || true
awk -F'\t' '{ if ($2 > max) max = $2; if ($3 > adm) adm = $3; if ($5 > sp) sp = $5 }
  END { printf "over %d s: max sampled RSS %.1f MiB, max admitted %d, max open spool files %d\n", NR, max / 1024, adm, sp }' "$work/rss_long.tsv"
echo "peak RSS (VmHWM) $((peak / 1024)) MiB; statuses (000: dropped at shutdown): $(sort "$work/long_status.txt" | uniq -c | tr '\n' ' ')"
echo "names left in the spool dir after shutdown: $(ls "$work/spool" | wc -l)"
fi
