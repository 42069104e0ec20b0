#!/usr/bin/env bash
# Reproduces the tables of docs/accuracy.md.
#   1. renders the evaluation sets (tools/render_eval_sets.sh: TUNING seed 11, REPORT seed 12,
#      a second grooves TUNING set, seed 14, and a second grooves REPORT set, seed 13, 100 files each),
#   2. runs the real CLI (`leitmotif extract`) on every set,
#   3. runs librosa 0.11 and Essentia 2.1 on the REPORT sets (../shared/eval/anchors.py for
#      tempo and key, tools/anchor_beats.py for beat times),
#   4. scores with ../shared/eval/score.py (tempo ACC1/ACC2, MIREX key) and
#      tools/accuracy_report.py (beat F-measure, 70 ms).
# usage: tools/eval_accuracy.sh [EVAL_DIR]     (from the repository root; EVAL_DIR default /tmp/lm-eval)
# Needs the evaluation environment of tools/render_eval_sets.sh. Set SKIP_ANCHORS=1 to score
# leitmotif alone (e.g. on the tuning sets while developing).
set -euo pipefail
EVAL=${1:-/tmp/lm-eval}
PY=${PY:-/tmp/evalenv/bin/python}
SHARED=${SHARED:-../shared/eval}
tools/render_eval_sets.sh "$EVAL"
cargo build --release --bin leitmotif
# librosa and Essentia on the REPORT sets first, JOBS at a time (default: the number of cores;
# kept between runs: delete a set's .anchors.json / .beats.json to redo it)
if [[ -z ${SKIP_ANCHORS:-} ]]; then
  export EVAL PY SHARED
  for set in grooves-report grooves-report13 key-report synth-report quartets-report; do
    [[ -f $EVAL/$set.anchors.json ]] || echo "anchors $set"
    [[ $set == key-* || $set == quartets-* || -f $EVAL/$set.beats.json ]] || echo "beats $set"
  done | xargs -r -P "${JOBS:-$(nproc)}" -L 1 bash -c '
    d="$EVAL/$1"
    if [[ $0 == anchors ]]; then nice -n 10 "$PY" "$SHARED/anchors.py" "$d" "$EVAL/$1.anchors.json" > /dev/null
    else nice -n 10 "$PY" tools/anchor_beats.py "$d" "$EVAL/$1.beats.json"; fi || exit 255'
fi
for set in grooves-tune grooves-tune14 key-tune synth-tune grooves-report grooves-report13 key-report synth-report quartets-report; do
  d="$EVAL/$set"
  rm -f "$EVAL/$set.jsonl"
  target/release/leitmotif extract "$d" -o "$EVAL/$set.jsonl" -q -j 1
  anchors="$EVAL/$set.anchors.json"; beats="$EVAL/$set.beats.json"
  echo "== $set"
  "$PY" tools/accuracy_report.py "$d" "$EVAL/$set.jsonl" "$EVAL/$set.estimates.json" "$anchors" "$beats" | grep -v '^[a-z]*[0-9]*\.[a-z0-9]*:' || true
  "$PY" "$SHARED/score.py" "$d/truth.json" "$EVAL/$set.estimates.json"
done
