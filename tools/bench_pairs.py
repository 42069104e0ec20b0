#!/usr/bin/env python3
"""Single-job speed against ffmpeg, robust to a noisy shared machine: N alternating pairs of
(ffmpeg -threads 1 decode + resample to 22050 Hz mono, one process per file) and
(leitmotif extract --jobs 1, every feature) over the same folder, the order inside a pair
swapped every round; prints both series, the per-pair ratios and their median.

usage: tools/bench_pairs.py DIR [N=10]   (LEITMOTIF=path/to/binary, default target/release)
Python standard library only.
"""
import os, statistics, subprocess, sys, time

d = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
binary = os.environ.get("LEITMOTIF", "target/release/leitmotif")
files = sorted(os.path.join(d, f) for f in os.listdir(d))


def ffmpeg():
    for f in files:
        subprocess.run(["ffmpeg", "-nostdin", "-threads", "1", "-i", f, "-ac", "1", "-ar",
                        "22050", "-f", "f32le", "-y", "/dev/null"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def leitmotif():
    subprocess.run([binary, "extract", "-q", "--jobs", "1", "-o", "/tmp/bench_pairs.jsonl", d],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(f):
    s = time.perf_counter()
    f()
    return time.perf_counter() - s


a, b = [], []
for i in range(n):
    if i % 2 == 0:
        a.append(timed(ffmpeg)); b.append(timed(leitmotif))
    else:
        b.append(timed(leitmotif)); a.append(timed(ffmpeg))
r = [y / x for x, y in zip(a, b)]
show = lambda v: " ".join(f"{x:.2f}" for x in v)
print(f"ffmpeg     {show(a)}  median {statistics.median(a):.2f} s, min {min(a):.2f} s")
print(f"leitmotif  {show(b)}  median {statistics.median(b):.2f} s, min {min(b):.2f} s")
print(f"ratio      {' '.join(f'{x:.3f}' for x in r)}  median {statistics.median(r):.3f}; "
      f"leitmotif faster in {sum(x < 1 for x in r)}/{n} pairs")
