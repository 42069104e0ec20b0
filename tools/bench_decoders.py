#!/usr/bin/env python3
"""Own decoders against symphonia's, end to end: N alternating pairs of
`leitmotif extract -q --jobs 1` over the same folder, once with the own FLAC/ALAC/PCM16
decoders and once with LEITMOTIF_NO_OWN_DECODERS=1 (symphonia for every codec), the order
inside a pair swapped every round; prints both series, the per-pair ratios own/symphonia and
their median, and checks that both runs wrote identical records.

usage: tools/bench_decoders.py DIR [N=8]   (LEITMOTIF=path/to/binary, default target/release)
Python standard library only. The knob exists up to the commit named in docs/decoders.md.
"""
import json, os, statistics, subprocess, sys, time

d = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 8
binary = os.environ.get("LEITMOTIF", "target/release/leitmotif")


def run(own):
    env = dict(os.environ)
    env.pop("LEITMOTIF_NO_OWN_DECODERS", None)
    if not own:
        env["LEITMOTIF_NO_OWN_DECODERS"] = "1"
    out = f"/tmp/bench_decoders_{'own' if own else 'sym'}.jsonl"
    if os.path.exists(out):
        os.remove(out)
    s = time.perf_counter()
    subprocess.run([binary, "extract", "-q", "--jobs", "1", "-o", out, d], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - s


def records(own):
    out = f"/tmp/bench_decoders_{'own' if own else 'sym'}.jsonl"
    rows = [json.loads(l) for l in open(out)]
    for r in rows:  # timing fields differ run to run
        r.pop("timing", None)
        r.get("analysis", {}).pop("elapsed_s", None)
    return sorted(rows, key=lambda r: r["path"])


a, b = [], []
for i in range(n):
    if i % 2 == 0:
        a.append(run(True)); b.append(run(False))
    else:
        b.append(run(False)); a.append(run(True))
same = records(True) == records(False)
r = [x / y for x, y in zip(a, b)]
show = lambda v: " ".join(f"{x:.2f}" for x in v)
print(f"own        {show(a)}  median {statistics.median(a):.2f} s, min {min(a):.2f} s")
print(f"symphonia  {show(b)}  median {statistics.median(b):.2f} s, min {min(b):.2f} s")
print(f"own/sym    {' '.join(f'{x:.3f}' for x in r)}  median {statistics.median(r):.3f}; "
      f"own faster in {sum(x < 1 for x in r)}/{n} pairs; identical records: {same}")
