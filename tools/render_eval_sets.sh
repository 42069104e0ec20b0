#!/usr/bin/env bash
# Renders the evaluation sets of docs/accuracy.md into EVAL_DIR (default /tmp/lm-eval):
# a TUNING set (seed 11) and a separate REPORT set (seed 12) of each kind (N files each, default
# 40; the grooves TUNING set has NT files, default 100), and a second, larger grooves REPORT set
# (grooves-report13: seed 13, NR files, default 100), and a second grooves TUNING set
# (grooves-tune14: seed 14, NT files) on which the tempo parameters were re-checked:
#   key-*      Bach chorales (music21 corpus), key truth        ../shared/eval/real_dev_corpus.py key
#   grooves-*  MMA accompaniment grooves, tempo + key truth      ../shared/eval/real_dev_corpus.py grooves
#   synth-*    synthetic songs, tempo + key truth                ../shared/eval/synth_corpus.py
#   quartets-report  string-quartet movements, key truth         tools/render_quartets.py
# Needs: apt-get install mma fluidsynth fluid-soundfont-gm ffmpeg;
#        python3 -m venv /tmp/evalenv && /tmp/evalenv/bin/pip install music21 pretty_midi librosa essentia mir_eval 'numba==0.61.2' 'numpy<2.3'
#        (numba 0.68.1 with llvmlite 0.50, the newest on 2026-12-02, segfaults in librosa's
#        piptrack gufunc, i.e. in chroma_stft and estimate_tuning; 0.61.2 does not)
# usage: tools/render_eval_sets.sh [EVAL_DIR] [N] [NT] [NR]   (run from the repository root)
# env JOBS: sets rendered at once (default: the number of cores; each render is one process)
set -euo pipefail
EVAL=${1:-/tmp/lm-eval}
N=${2:-40}
NT=${3:-100}
NR=${4:-100}
PY=${PY:-/tmp/evalenv/bin/python}
SHARED=${SHARED:-../shared/eval}
mkdir -p "$EVAL"
JOBS=${JOBS:-$(nproc)}
# one line per set: its directory, then the command that renders it (sets with a truth.json are
# kept); the sets render JOBS at a time, each in its own directory, each logged to DIR.log
jobs_list() {
  for seed_set in "11 tune" "12 report"; do
    set -- $seed_set
    local seed=$1 name=$2 ng=$N
    [ "$name" = tune ] && ng=$NT
    echo "grooves-$name $SHARED/real_dev_corpus.py grooves $EVAL/grooves-$name $ng $seed"
    echo "key-$name $SHARED/real_dev_corpus.py key $EVAL/key-$name $N $seed"
    echo "synth-$name $SHARED/synth_corpus.py $EVAL/synth-$name $N $seed"
  done
  echo "grooves-report13 $SHARED/real_dev_corpus.py grooves $EVAL/grooves-report13 $NR 13"
  echo "grooves-tune14 $SHARED/real_dev_corpus.py grooves $EVAL/grooves-tune14 $NT 14"
  # string-quartet movements (Haydn, Mozart, Beethoven; REPORT only, fourth session)
  echo "quartets-report tools/render_quartets.py $EVAL/quartets-report"
}
export EVAL PY
jobs_list | while read -r dir cmd; do
  [ -f "$EVAL/$dir/truth.json" ] || echo "$dir $cmd"
done | xargs -r -P "$JOBS" -L 1 bash -c 'dir=$0; nice -n 10 "$PY" "$@" > "$EVAL/$dir.log" 2>&1 || { echo "$dir: failed, see $EVAL/$dir.log" >&2; exit 255; }'
