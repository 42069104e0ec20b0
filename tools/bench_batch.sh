#!/usr/bin/env bash
# Batch throughput and memory on a folder of full-length tracks (tools/make_bench_corpus.sh):
#   ffmpeg -threads 1 decode + resample to 22050 Hz mono, file after file (the floor to beat);
#   leitmotif extract --jobs 1 and --jobs 2 (every feature), with peak RSS (/usr/bin/time -v);
#   the tonal stage's share: --jobs 1 again with the stage skipped (hidden --bench-skip-tonal),
#   best of 3 runs each;
#   optionally librosa doing the same features (LIBROSA_PY=/path/to/python with librosa).
# usage: tools/bench_batch.sh DIR
set -euo pipefail
dir=${1:?folder of audio}
bin=${LEITMOTIF:-target/release/leitmotif}
t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
echo "ffmpeg -threads 1 decode+resample: $(t bash -c "for f in '$dir'/*; do ffmpeg -nostdin -threads 1 -i \"\$f\" -ac 1 -ar 22050 -f f32le -y /dev/null; done") s"
for j in 1 2; do
  /usr/bin/time -v "$bin" extract -q --jobs "$j" -o /tmp/bench_batch_j$j.jsonl "$dir" 2>/tmp/bench_time_j$j.txt || true
  echo "leitmotif --jobs $j: $(grep 'Elapsed' /tmp/bench_time_j$j.txt | awk '{print $NF}') wall, peak RSS $(grep 'Maximum resident' /tmp/bench_time_j$j.txt | awk '{print $NF}') kB"
done
best() { local b=""; for _ in 1 2 3; do local v; v=$(t "$@"); if [ -z "$b" ] || [ "$(echo "$v < $b" | bc)" = 1 ]; then b=$v; fi; done; echo "$b"; }
full=$(best "$bin" extract -q --jobs 1 -o /tmp/bench_batch_full.jsonl "$dir")
notonal=$(best "$bin" extract -q --jobs 1 --bench-skip-tonal -o /tmp/bench_batch_notonal.jsonl "$dir")
echo "tonal stage: full $full s, without tonal $notonal s: adds $(echo "scale=1; 100 * ($full - $notonal) / $notonal" | bc) %"
if [ -n "${LIBROSA_PY:-}" ]; then
  OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$LIBROSA_PY" "$(dirname "$0")/librosa_full.py" "$dir"
fi
