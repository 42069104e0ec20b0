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
set -euo pipefail
EVAL=${1:-/tmp/lm-eval}
N=${2:-40}
NT=${3:-100}
NR=${4:-100}
PY=${PY:-/tmp/evalenv/bin/python}
SHARED=${SHARED:-../shared/eval}
mkdir -p "$EVAL"
for seed_set in "11 tune" "12 report"; do
  set -- $seed_set
  seed=$1; name=$2
  ng=$N; [ "$name" = tune ] && ng=$NT
  [ -f "$EVAL/grooves-$name/truth.json" ] || nice -n 10 "$PY" "$SHARED/real_dev_corpus.py" grooves "$EVAL/grooves-$name" "$ng" "$seed"
  [ -f "$EVAL/key-$name/truth.json" ] || nice -n 10 "$PY" "$SHARED/real_dev_corpus.py" key "$EVAL/key-$name" "$N" "$seed"
  [ -f "$EVAL/synth-$name/truth.json" ] || nice -n 10 "$PY" "$SHARED/synth_corpus.py" "$EVAL/synth-$name" "$N" "$seed"
done
[ -f "$EVAL/grooves-report13/truth.json" ] || nice -n 10 "$PY" "$SHARED/real_dev_corpus.py" grooves "$EVAL/grooves-report13" "$NR" 13
[ -f "$EVAL/grooves-tune14/truth.json" ] || nice -n 10 "$PY" "$SHARED/real_dev_corpus.py" grooves "$EVAL/grooves-tune14" "$NT" 14
# string-quartet movements (Haydn, Mozart, Beethoven; REPORT only, fourth session)
[ -f "$EVAL/quartets-report/truth.json" ] || nice -n 10 "$PY" tools/render_quartets.py "$EVAL/quartets-report"
