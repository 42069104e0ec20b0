#!/usr/bin/env python3
"""Learned octave decision for the tempo stage: a study, not part of leitmotif (eighth session;
docs/accuracy.md, "learned octave model", tried and not adopted).

Every comb peak that `tempo::estimate` examines becomes a candidate with 21 features (the
hand-set score W·L·F·H, the prior's log2(bpm/130) and its square, the comb salience at the
peak and at 2x, 1/2, 3x, 1/3 of its tempo, the fold ratios m, m3 at the peak, at twice and at
half its period, the harmonic-span ratios). A conditional logit (softmax over one track's
candidates, L2 penalty `lam`) is fitted by maximum likelihood of the candidates within 4 % of
the truth. Reported: leave-one-set-out and 5-fold cross-validated ACC1 per set.

usage:
  cargo run --release --example tempo_grid_eval -- SET... --no-grid --dump TUNE.jsonl
  octave_model_study.py TUNE.jsonl [--train PREFIX] [--report REPORT.jsonl --lam L]

--train PREFIX fits on the sets whose name starts with PREFIX only (e.g. `grooves`);
--report scores a model fitted on all of TUNE.jsonl (or the --train subset) with penalty L on
another dump, beside the hand-set score (ACC1, and ACC2 from the chosen peak's tempo).
Needs numpy and scipy.
"""
import json
import math
import sys

import numpy as np
from scipy.optimize import minimize

N_FEATURES = 21


def features(pk):
    b = pk["bpm"]
    z = math.log2(b / 130.0)
    ln_pos = lambda v: math.log(max(v, 1e-3))
    fill = min(max(min(pk["alt2"], pk["alt3"]) / 0.05, 0.1), 1.0)
    sp, spl = pk["span"] or 0.0, pk["span_low"] or 0.0
    subdivision = 1.0 if (b / 2 >= 40 and (sp > 1.6 or spl > 1.6)) else 0.0
    return [
        math.log(max(pk["score"], 1e-6)), z, z * z, ln_pos(pk["S"]), ln_pos(pk["S2"]),
        ln_pos(pk["Sh"]), pk["m"] if 2 * b <= 250 else 0.0, pk["m3"], math.log(fill),
        pk["alt2"], pk["mf"], subdivision, min(max(sp, spl), 3.0) if (sp or spl) else 1.0,
        min(max(pk["span_h"] or 1.0, pk["span_low_h"] or 1.0), 3.0), pk["m3f"],
        min(pk["alt2"], 0.25) / 0.25, min(pk["mf"], 0.25) / 0.25, min(pk["m"], 0.3) / 0.3,
        ln_pos(pk["S3"]), ln_pos(pk["S13"]), max(0.0, z) ** 2,
    ]


def load(path):
    data = []
    for line in open(path):
        r = json.loads(line)
        t = r["truth"]
        X = np.array([features(p) for p in r["peaks"]])
        y = np.array([abs(p["bpm"] - t) <= 0.04 * t for p in r["peaks"]], float)
        data.append((r["set"], X, y, t))
    return data


def nll(w, data, lam):
    total, grad = lam * (w @ w), 2 * lam * w
    for _, X, y, _ in data:
        if y.sum() == 0:
            continue
        s = X @ w
        p = np.exp(s - s.max())
        p /= p.sum()
        pc = max((p * y).sum(), 1e-12)
        total -= math.log(pc)
        grad -= X.T @ (p * y / pc - p)
    return total, grad


def fit(data, lam):
    return minimize(nll, np.zeros(N_FEATURES), args=(data, lam), jac=True, method="L-BFGS-B").x


def score(w, data):
    """ACC1 and ACC2 per set of the argmax candidate (`w` None: the hand-set score)."""
    res = {}
    for s, X, y, t in data:
        i = int(np.argmax(X[:, 0] if w is None else X @ w))
        b = 130 * 2 ** X[i, 1]
        ok2 = any(abs(b - t * k) <= 0.04 * t * k for k in (1, 2, 3, 0.5, 1 / 3))
        res.setdefault(s, []).append((y[i], ok2))
    return {s: tuple(round(float(np.mean([v[j] for v in r])), 3) for j in (0, 1)) for s, r in res.items()}


def main():
    args = sys.argv[1:]
    opt = lambda name, default=None: args[args.index(name) + 1] if name in args else default
    data = load(args[0])
    prefix = opt("--train")
    train = [d for d in data if prefix is None or d[0].startswith(prefix)]
    sets = sorted({d[0] for d in train})
    print("hand-set score (ACC1, ACC2):", score(None, data))
    if opt("--report"):
        lam = float(opt("--lam", "1"))
        w = fit(train, lam)
        print("weights:", ", ".join(f"{x:.4f}" for x in w))
        report = load(opt("--report"))
        print("REPORT hand-set:", score(None, report))
        print(f"REPORT learned (lam {lam}):", score(w, report))
        return
    for lam in (0.3, 1.0, 3.0, 10.0):
        loso = {}
        for s in sets:
            w = fit([d for d in train if d[0] != s], lam)
            loso.update({k: v[0] for k, v in score(w, [d for d in train if d[0] == s]).items()})
        cv = {}
        idx = np.random.default_rng(0).permutation(len(train))
        for k in range(5):
            held = set(idx[k::5].tolist())
            w = fit([d for i, d in enumerate(train) if i not in held], lam)
            for s, X, y, _ in (d for i, d in enumerate(train) if i in held):
                cv.setdefault(s, []).append(y[int(np.argmax(X @ w))])
        cv = {s: round(float(np.mean(v)), 3) for s, v in cv.items()}
        print(f"lam {lam:5}: leave-one-set-out ACC1 {loso}  5-fold ACC1 {cv}")


if __name__ == "__main__":
    main()
