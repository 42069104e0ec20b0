#!/usr/bin/env python3
"""The tempo stage's metrical-grid test, simulated on the comb peaks of `tempo_grid_eval --dump`
(ninth session; docs/accuracy.md, TUNING section, "metrical grid").

A weak comb peak (salience below `alpha` times the strongest) that is no integer multiple or
fraction n in {1, 2, 3, 4, 6, 8} (within 3 %) of any strong peak has its score multiplied by `f`;
the tempo is the peak with the best score. Prints, per setting, ACC1 / ACC2 counts per set and
the tracks whose tempo the test changes at the chosen setting (alpha 0.6, f 0.1).

usage:
  LM_GRID_DEMOTION=1 cargo run --release --example tempo_grid_eval -- SET... --no-grid --dump D.jsonl
  grid_test_study.py D.jsonl

(`LM_GRID_DEMOTION=1`: the dumped scores without the test, which this script then applies.)
"""
import json
import sys

RATIOS = (1, 2, 3, 4, 6, 8)
TOL = 0.03


def on_one_grid(a, b):
    r = a / b
    return any(abs(r / n - 1) <= TOL or abs(r * n - 1) <= TOL for n in RATIOS)


def choose(peaks, alpha, f):
    strongest = max(p["S"] for p in peaks)
    strong = [p["bpm"] for p in peaks if p["S"] >= alpha * strongest]
    best = None
    for p in peaks:
        score = p["score"]
        if p["S"] < alpha * strongest and not any(on_one_grid(p["bpm"], s) for s in strong):
            score *= f
        if best is None or score > best[0]:
            best = (score, p["bpm"])
    return best[1]


def acc1(e, t):
    return abs(e - t) <= 0.04 * t


def acc2(e, t):
    return any(abs(e - t * k) <= 0.04 * t * k for k in (1, 2, 3, 0.5, 1 / 3))


def main():
    tracks = [json.loads(line) for line in open(sys.argv[1])]
    for alpha in (0.3, 0.4, 0.5, 0.6, 0.7):
        for f in (1.0, 0.5, 0.3, 0.1, 0.0):
            per_set = {}
            for t in tracks:
                e = choose(t["peaks"], alpha, f)
                c = per_set.setdefault(t["set"], [0, 0, 0])
                c[0] += acc1(e, t["truth"])
                c[1] += acc2(e, t["truth"])
                c[2] += 1
            row = "  ".join(f"{s} {a}/{b}/{n}" for s, (a, b, n) in per_set.items())
            print(f"alpha {alpha} f {f}: {row}")
    print("changed at alpha 0.6, f 0.1 (set, file, truth, without, with):")
    for t in tracks:
        a, b = choose(t["peaks"], 0.6, 1.0), choose(t["peaks"], 0.6, 0.1)
        if abs(a - b) > 0.5:
            print(f"  {t['set']} {t['file']} {t['truth']:.1f} {a:.1f} {b:.1f}")


if __name__ == "__main__":
    main()
