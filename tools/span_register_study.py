#!/usr/bin/env python3
"""Harmonic-span study behind the low-register chroma of the tempo's octave test (fifth session).

For every file of an evaluation set (truth.json with "bpm"), computes the span ratio g(8)/g(4)
of features/rhythm/harmony.rs (a numpy re-implementation: librosa's onset envelope and chroma
filterbank, the same fold windows, phase search, w-pulse change and gains) at the true beat
level and at twice its tempo (the eighth level), on the full-spectrum chroma and on the chroma
of the bins up to 300, 600 and 1000 Hz, with w = 3 and 4, and prints how often each rule
demotes the beat (wrong) and the eighth level (right):
  - each register alone at ratio 1.4 / 1.5 / 1.6,
  - "full > 1.6 or low > t" for t = 1.6, 1.7, 1.8.
A prototype: its figures measure the separation, the Rust tempo stage is what the tables score.

usage: tools/span_register_study.py SET_DIR [SET_DIR...]     (TUNING sets only)
needs: the evaluation venv of tools/render_eval_sets.sh (librosa; numba 0.61.2)
"""
import json, os, sys

import librosa
import numpy as np
from concurrent.futures import ProcessPoolExecutor
SR, HOP = 22050, 512
FPS = SR / HOP

def detrend(e, w):
    k = np.ones(w) / 1.0
    c = np.convolve(e, k, 'same'); n = np.convolve(np.ones_like(e), k, 'same')
    return e - c / n

def grid_mean(env, lo, hi, period, phase):
    t = lo + phase; s = 0; c = 0
    while round(t) < hi:
        i = int(round(t)); a = max(i - 1, lo); b = min(i + 2, hi)
        s += env[a:b].max(); c += 1; t += period
    return s / c if c else 0

def best_phase(env, lo, hi, period):
    best = (0, -1)
    for p in range(int(np.ceil(period))):
        on = grid_mean(env, lo, hi, period, p)
        if on > best[1]: best = (p, on)
    return best

def windows(n, window, period):
    window = max(window, int(np.ceil(4 * period)), 1); lo = 0
    while lo < n:
        hi = min(lo + window, n)
        if n - hi < window // 2: hi = n
        yield lo, hi; lo = hi

def span_ratio(env, chroma, period, w=3, window=int(round(20 * FPS)), stat='r'):
    n = min(len(env), len(chroma))
    if n < 32 * period: return np.nan
    pulses = []; nxt = None
    for lo, hi in windows(n, window, period):
        t = lo + best_phase(env, lo, hi, period)[0]
        if nxt is not None:
            off = t - nxt; t = nxt + (off - period * round(off / period))
        while round(t + period) <= hi:
            a, b = int(round(t)), int(round(t + period))
            pulses.append(chroma[a:max(b, a + 1)].sum(0)); t += period
        nxt = t
    P = np.array(pulses)
    d = []
    for k in range(w, len(P) - w + 1):
        x = P[k - w:k].sum(0); y = P[k:k + w].sum(0)
        den = np.sqrt((x @ x) * (y @ y))
        d.append(max(0, 1 - x @ y / den) if den > 0 else 0)
    d = np.array(d)
    if len(d) < 32 or d.mean() < 1e-4: return np.nan
    g = lambda b: max(d[j::b].mean() for j in range(b)) / d.mean()
    return g(8) / g(4)

def feats(path):
    y, _ = librosa.load(path, sr=SR, mono=True)
    env = librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP)
    S = np.abs(librosa.stft(y, n_fft=2048, hop_length=HOP)) ** 2
    freqs = librosa.fft_frequencies(sr=SR, n_fft=2048)
    fb = librosa.filters.chroma(sr=SR, n_fft=2048)
    def norm(c):
        m = c.max(1, keepdims=True); m[m == 0] = 1; return c / m
    out = {'full': norm((fb @ S).T)}
    for cut in (300, 600, 1000):
        Sl = S.copy(); Sl[freqs > cut] = 0
        out[f'low{cut}'] = norm((fb @ Sl).T)
    x = detrend(env, int(round(1.5 * FPS))); x = np.maximum(x, 0)
    return x, out

def one(args):
    d, f, bpm = args
    x, ch = feats(os.path.join(d, f))
    res = {}
    for name, c in ch.items():
        for w in (3, 4):
            row = []
            for mult in (0.5, 1, 2):
                b = bpm * mult
                if b < 40 or b > 250: row.append(np.nan); continue
                row.append(span_ratio(x, c, 60 * FPS / b, w))
            res[f"{name}_w{w}"] = [float(v) for v in row]
    return f, bpm, res



def report(name, r):
    print(f"== {name}")
    keys = [k for k in next(iter(r.values())) if k != 'bpm']
    for k in keys:
        beat = np.array([v[k][1] for v in r.values()]); eig = np.array([v[k][2] for v in r.values()])
        for thr in (1.4, 1.5, 1.6):
            print(f"  {k:10s} > {thr}: beat demoted {np.nansum(beat > thr):.0f}/{np.sum(~np.isnan(beat))}, "
                  f"eighth demoted {np.nansum(eig > thr):.0f}/{np.sum(~np.isnan(eig))} "
                  f"(median beat {np.nanmedian(beat):.2f}, eighth {np.nanmedian(eig):.2f})")
    for alt in ('low300_w4', 'low600_w3', 'low600_w4', 'low1000_w4'):
        for t in (1.6, 1.7, 1.8):
            counts = {1: [0, 0], 2: [0, 0]}
            for v in r.values():
                for i in (1, 2):
                    a, b = v['full_w3'][i], v[alt][i]
                    if np.isnan(a) and np.isnan(b):
                        continue
                    counts[i][1] += 1
                    counts[i][0] += bool(a > 1.6 or b > t)
            print(f"  full_w3 > 1.6 or {alt} > {t}: beat demoted {counts[1][0]}/{counts[1][1]}, "
                  f"eighth demoted {counts[2][0]}/{counts[2][1]}")


if __name__ == '__main__':
    for d in sys.argv[1:]:
        truth = json.load(open(os.path.join(d, 'truth.json')))
        jobs = [(d, f, t['bpm']) for f, t in truth.items() if 'bpm' in t]
        with ProcessPoolExecutor(2) as ex:
            r = {f: {'bpm': b, **res} for f, b, res in ex.map(one, jobs)}
        report(os.path.basename(d.rstrip('/')), r)
