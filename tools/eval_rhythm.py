#!/usr/bin/env python3
"""Score leitmotif's rhythm output (examples/rhythm_eval) against a synthetic corpus.

usage: eval_rhythm.py CORPUS_DIR RHYTHM_JSON [LIBROSA_BEATS_JSON]

CORPUS_DIR/truth.json: synth_corpus.py ground truth (bpm, style).
RHYTHM_JSON: OUT_DIR/rhythm.json written by `cargo run --release --example rhythm_eval`.
LIBROSA_BEATS_JSON (optional): the per-file output of /work/eval-data/librosa_beats.py, to
print librosa's beat F on the same files beside ours.

Truth beats (as in librosa_beats.py): t_k = k*60/bpm, k >= 0, t_k < decoded duration
(constant tempo, first beat at 0; see synth_corpus.py). Songs "with drums" are style ==
"groove". Beat F: mir_eval.beat.f_measure (70 ms) after mir_eval.beat.trim_beats (drops
beats before 5 s) on both sides. Tempo: ACC1 (within 4 %) and ACC2 (4 % of x1, x2, x3, 1/2,
1/3), as score.py. Needs numpy and mir_eval.
"""
import json, os, sys

import numpy as np
import mir_eval


def truth_beats(bpm, duration):
    beat = 60.0 / bpm
    n = int(np.floor(duration / beat - 1e-9)) + 1
    return np.arange(n) * beat


def acc(truth, est):
    if est is None or est <= 0:
        return 0, 0
    a1 = abs(est - truth) <= 0.04 * truth
    a2 = any(abs(est - truth * f) <= 0.04 * truth * f for f in (1, 2, 3, 0.5, 1 / 3))
    return int(a1), int(a2)


def main():
    corpus, rhythm_json = sys.argv[1], sys.argv[2]
    lib = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None
    truth = json.load(open(os.path.join(corpus, "truth.json")))
    est = json.load(open(rhythm_json))
    rows = []
    for f in sorted(truth):
        t, r = truth[f], est.get(f)
        if r is None:
            print(f"{f}: missing from {rhythm_json}")
            rows.append({"drums": t["style"] == "groove", "F": 0.0, "a1": 0, "a2": 0, "ms": None, "conf": 0.0})
            continue
        ref = truth_beats(t["bpm"], r["duration_s"])
        beats = np.array(r["beats"], dtype=float)
        F = mir_eval.beat.f_measure(mir_eval.beat.trim_beats(ref), mir_eval.beat.trim_beats(beats), f_measure_threshold=0.07)
        a1, a2 = acc(t["bpm"], r["bpm"])
        row = {"file": f, "drums": t["style"] == "groove", "style": t["style"], "F": F, "a1": a1, "a2": a2,
               "ms": r["rhythm_ms"], "total_ms": r["total_ms"], "conf": r["confidence"], "dur": r["duration_s"]}
        if lib is not None and f in lib:
            row["F_librosa"] = lib[f]["F"]
        rows.append(row)
        flag = "OK " if a1 else ("ok2" if a2 else "BAD")
        print(f"{f:14s} {t['style']:8s} truth {t['bpm']:6.1f} est {r['bpm'] if r['bpm'] is not None else float('nan'):7.2f} {flag} conf {r['confidence']:.2f} F {F:.3f}"
              + (f" librosa F {row['F_librosa']:.3f}" if "F_librosa" in row else ""))

    def line(sel, label):
        if not sel:
            return f"{label:10s} n=0"
        F = np.array([r["F"] for r in sel])
        s = (f"{label:10s} n={len(sel):3d}  ACC1={np.mean([r['a1'] for r in sel]):.3f} ACC2={np.mean([r['a2'] for r in sel]):.3f}  "
             f"beat F mean={F.mean():.3f} median={np.median(F):.3f} frac>=0.8={np.mean(F >= 0.8):.3f}")
        if all("F_librosa" in r for r in sel):
            s += f"  | librosa beat F mean={np.mean([r['F_librosa'] for r in sel]):.3f}"
        return s

    print(line([r for r in rows if r["drums"]], "drums"))
    print(line([r for r in rows if not r["drums"]], "no drums"))
    print(line(rows, "all"))
    ms = [r["ms"] for r in rows if r.get("ms") is not None]
    tot = [r["total_ms"] for r in rows if r.get("total_ms") is not None]
    dur = [r["dur"] for r in rows if r.get("dur") is not None]
    if ms:
        print(f"rhythm stage: mean {np.mean(ms):.3f} ms/track, max {np.max(ms):.3f} ms; "
              f"full extraction (leitmotif Pipeline, every feature): mean {np.mean(tot):.1f} ms/track "
              f"({np.sum(dur) / (np.sum(tot) / 1e3):.0f}x real time); rhythm share {100 * np.sum(ms) / np.sum(tot):.2f} %")


if __name__ == "__main__":
    main()
