#!/usr/bin/env python3
"""Essentia RhythmExtractor2013 (multifeature) beats vs the exact synthetic beat grid.

usage: essentia_beats.py CORPUS_DIR OUT.json
Same loading as /work/shared/eval/anchors.py (MonoLoader at 44100 Hz) and the same truth and
scoring as tools/eval_rhythm.py (t_k = k*60/bpm < duration; mir_eval f_measure, 70 ms, after
trim_beats). Writes {file: {"F": f, "bpm": x}} and prints mean F for songs with / without drums.
Needs essentia, numpy, mir_eval.
"""
import json, os, sys

import numpy as np
import mir_eval
import essentia.standard as es


def truth_beats(bpm, duration):
    beat = 60.0 / bpm
    n = int(np.floor(duration / beat - 1e-9)) + 1
    return np.arange(n) * beat


def main():
    d, outp = sys.argv[1], sys.argv[2]
    truth = json.load(open(os.path.join(d, "truth.json")))
    res = {}
    for f in sorted(truth):
        audio = es.MonoLoader(filename=os.path.join(d, f), sampleRate=44100)()
        bpm, beats, _, _, _ = es.RhythmExtractor2013(method="multifeature")(audio)
        ref = truth_beats(truth[f]["bpm"], len(audio) / 44100.0)
        F = mir_eval.beat.f_measure(mir_eval.beat.trim_beats(ref), mir_eval.beat.trim_beats(np.array(beats, dtype=float)), f_measure_threshold=0.07)
        res[f] = {"F": float(F), "bpm": float(bpm), "drums": truth[f]["style"] == "groove"}
    json.dump(res, open(outp, "w"), indent=1)
    for label, sel in (("drums", [r for r in res.values() if r["drums"]]), ("no drums", [r for r in res.values() if not r["drums"]]), ("all", list(res.values()))):
        print(f"essentia {label:9s} n={len(sel):3d} beat F mean={np.mean([r['F'] for r in sel]):.3f}")


if __name__ == "__main__":
    main()
