#!/usr/bin/env python3
"""Key-profile study on track-level HPCPs (the table "Key profile" of docs/accuracy.md).

usage: key_profile_study.py SET_DIR... (each SET_DIR has truth.json, and SET_DIR.prof.json was
written by `cargo run --release --example key_eval -- SET_DIR OUT.json --profiles SET_DIR.prof.json`)
env FIELD=chroma_mean correlates the mean chroma_stft instead of the HPCP (fifth session).

Correlates each track's HPCP (leitmotif's own, without the bass cue) with published major/minor
profiles rotated to every tonic (Krumhansl–Schmuckler) and prints the MIREX score per set and
profile. Profile values as distributed with music21 (music21.analysis.discrete): Aarden–Essen,
Bellman–Budge, Krumhansl–Kessler, Temperley–Kostka–Payne, Temperley (1999), Sapp's simple weights.
"""
import json, os, sys

import numpy as np

PCS = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
FLAT2SHARP = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}
PROFILES = {
    "aarden": ([17.766, 0.146, 14.927, 0.16, 19.805, 11.359, 0.291, 22.062, 0.146, 8.155, 0.233, 4.951],
               [18.265, 0.738, 14.05, 16.86, 0.702, 14.436, 0.702, 18.616, 4.566, 1.932, 7.376, 1.756]),
    "bellman-budge": ([16.8, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.8, 8.04, 0.62, 10.57],
                      [18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21]),
    "krumhansl-kessler": ([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
                          [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
    "temperley-kostka-payne": ([0.748, 0.06, 0.488, 0.082, 0.67, 0.46, 0.096, 0.715, 0.104, 0.366, 0.057, 0.4],
                               [0.712, 0.084, 0.474, 0.618, 0.049, 0.46, 0.105, 0.747, 0.404, 0.067, 0.133, 0.33]),
    "temperley-1999": ([5, 2, 3.5, 2, 4.5, 4, 2, 4.5, 2, 3.5, 1.5, 4], [5, 2, 3.5, 4.5, 2, 4, 2, 4.5, 3.5, 2, 1.5, 4]),
    "sapp-simple": ([2, 0, 1, 0, 1, 1, 0, 2, 0, 1, 0, 1], [2, 0, 1, 1, 0, 1, 0, 2, 1, 0, 0.5, 0.5]),
}


def mirex(truth, est):
    tp, ep = PCS.index(FLAT2SHARP.get(truth[0], truth[0])), est[0]
    tm, em, d = truth[1], est[1], (est[0] - tp) % 12
    if d == 0 and tm == em:
        return 1.0
    if tm == em and d in (5, 7):
        return 0.5
    if (tm, em, d) in (("major", "minor", 9), ("minor", "major", 3)):
        return 0.3
    return 0.2 if d == 0 else 0.0


def estimate(x, name):
    best = (-2.0, 0, "major")
    for m, mode in enumerate(("major", "minor")):
        p = np.array(PROFILES[name][m], float)
        for k in range(12):
            r = np.corrcoef(np.roll(x, -k), p)[0, 1]
            if r > best[0]:
                best = (r, k, mode)
    return best[1], best[2]


def main():
    sets = sys.argv[1:]
    print("profile".ljust(24) + "".join(s.rstrip("/").split("/")[-1].rjust(16) for s in sets))
    for name in PROFILES:
        row = []
        for s in sets:
            s = s.rstrip("/")
            truth = json.load(open(f"{s}/truth.json"))
            prof = json.load(open(f"{s}.prof.json"))
            scores = [mirex((t["key"], t["mode"]), estimate(np.array(prof[f][os.environ.get("FIELD", "hpcp")], float), name))
                      for f, t in truth.items() if f in prof]
            row.append(sum(scores) / len(scores))
        print(name.ljust(24) + "".join(f"{v:16.3f}" for v in row))


if __name__ == "__main__":
    main()
