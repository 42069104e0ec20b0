#!/usr/bin/env python3
"""Side-by-side benchmark of the Python package against librosa, in one run on the same files.

Setup (from the repository root):

    python3 -m venv /tmp/pyref
    /tmp/pyref/bin/pip install 'librosa==0.11.*' joblib psutil maturin
    /tmp/pyref/bin/maturin build --release -m python/Cargo.toml -o /tmp/wheels
    /tmp/pyref/bin/pip install /tmp/wheels/leitmotif-*.whl
    /tmp/pyref/bin/python tools/bench_python.py [--repeat 3] [--jobs 2]

Two comparisons, each variant in its own subprocess (peak memory = the largest sum of
resident memory over the process and its children, sampled every 20 ms):

1. ``load + features``: one process, files one after another: ``load(path, sr=22050)``,
   then stft magnitude, spectral centroid / bandwidth / rolloff / flatness / contrast,
   zero-crossing rate, RMS, MFCC, chroma_stft, onset_strength, beat_track — librosa's
   functions against leitmotif's identically named ones.
2. ``batch``: ``leitmotif.analyze_many(paths, jobs=J)`` (the full record: all of the above
   plus loudness, key, the feature vector) against ``joblib.Parallel(n_jobs=J)`` over the
   librosa function of (1); the joblib workers are started and warmed up (numba JIT) on a
   short file before the clock starts.

Inputs: the bundled audio-samples that librosa can decode without ffmpeg (MP3, FLAC, Ogg
Vorbis, WAV), repeated ``--repeat`` times. librosa's numba functions are warmed up on a
short signal first (JIT time not counted).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def features(lib, path):
    y, sr = lib.load(path, sr=22050)
    S = abs(lib.stft(y))
    f = lib.feature
    out = [
        f.spectral_centroid(S=S, sr=sr), f.spectral_bandwidth(S=S, sr=sr),
        f.spectral_rolloff(S=S, sr=sr), f.spectral_flatness(S=S),
        f.spectral_contrast(S=S, sr=sr), f.zero_crossing_rate(y), f.rms(S=S),
        f.mfcc(y=y, sr=sr), f.chroma_stft(S=S ** 2, sr=sr),
        lib.onset.onset_strength(y=y, sr=sr),
    ]
    tempo, beats = lib.beat.beat_track(y=y, sr=sr)
    return len(y), float(tempo[0]) if hasattr(tempo, "__len__") else float(tempo), len(beats)


def librosa_features(path):
    import librosa
    return features(librosa, path)


def run_variant(name, paths, jobs):
    import numpy as np
    warm = os.path.join(ROOT, "tests", "fixtures", "librosa", "music.wav")
    if name == "librosa-features":
        import librosa
        features(librosa, warm)
    if name == "librosa-batch":
        # start the loky workers and JIT-compile numba in each before timing
        from joblib import Parallel, delayed
        Parallel(n_jobs=jobs)(delayed(librosa_features)(warm) for _ in range(4 * jobs))
    t0 = time.perf_counter()
    if name == "librosa-features":
        import librosa
        res = [features(librosa, p) for p in paths]
    elif name == "leitmotif-features":
        import leitmotif
        res = [features(leitmotif, p) for p in paths]
    elif name == "librosa-batch":
        from joblib import Parallel, delayed
        res = Parallel(n_jobs=jobs)(delayed(librosa_features)(p) for p in paths)
    elif name == "leitmotif-batch":
        import leitmotif
        res = list(leitmotif.analyze_many(paths, jobs=jobs, progress=False))
        assert all("error" not in r for r in res), res
    else:
        raise SystemExit(f"unknown variant {name}")
    wall = time.perf_counter() - t0
    _ = np
    return {"wall_s": wall, "tracks": len(res)}


def measure(name, paths, jobs):
    """Runs one variant in a child process; samples the memory of its process tree."""
    import psutil
    cmd = [sys.executable, __file__, "--child", name, "--jobs", str(jobs), "--"] + paths
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = [0]

    def sample():
        while proc.poll() is None:
            try:
                rss = ps.memory_info().rss + sum(c.memory_info().rss
                                                 for c in ps.children(recursive=True))
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                pass
            time.sleep(0.02)

    t = threading.Thread(target=sample)
    t.start()
    out, _ = proc.communicate()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_mib"] = peak[0] / 2 ** 20
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--child")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(run_variant(a.child, a.paths, a.jobs)))
        return 0
    files = sorted(p for p in glob.glob(os.path.join(ROOT, "audio-samples", "*"))
                   if p.rsplit(".", 1)[-1] in ("mp3", "flac", "ogg", "wav"))
    paths = files * a.repeat
    import librosa
    import soundfile as sf
    import leitmotif
    audio_s = sum(sf.info(p).duration for p in paths)
    print(f"inputs: {len(paths)} tracks, {audio_s:.0f} s of audio; librosa {librosa.__version__},"
          f" leitmotif {leitmotif.__version__}; {os.cpu_count()} CPUs; jobs={a.jobs}")
    rows = []
    for pair in (("librosa-features", "leitmotif-features"), ("librosa-batch", "leitmotif-batch")):
        r = {n: measure(n, paths, a.jobs) for n in pair}
        ref, ours = r[pair[0]], r[pair[1]]
        rows.append((pair, ref, ours))
        print(f"{pair[0]:>20}: {ref['wall_s']:7.2f} s, peak {ref['peak_mib']:7.0f} MiB")
        print(f"{pair[1]:>20}: {ours['wall_s']:7.2f} s, peak {ours['peak_mib']:7.0f} MiB"
              f"   -> speed-up {ref['wall_s'] / ours['wall_s']:.1f}x,"
              f" memory {ref['peak_mib'] / ours['peak_mib']:.1f}x less")
    return 0


if __name__ == "__main__":
    sys.exit(main())
