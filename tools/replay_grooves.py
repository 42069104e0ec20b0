#!/usr/bin/env python3
"""Which MMA groove, tempo, key and chord progression `real_dev_corpus.py grooves OUT N SEED` gave
each file, without rendering anything: replays the script's random choices for SEED.

usage: SHARED=../shared/eval replay_grooves.py SEED [N] [FILE_STEM...]
       (e.g. `replay_grooves.py 14 100 v007 v028`: those two files of the seed-14 set; no stems:
       every file)

Prints one line per file: name, groove, bpm, mode, tonic, the progression's Roman numerals and
its first bars. With env TRUTH=SET_DIR/truth.json and ESTIMATES=EST.json (the estimates of
`key_eval` or `tools/eval_accuracy.sh`), it instead prints leitmotif's MIREX key score per kind
of progression: major, minor with V, minor without V (whose four chords are exactly the
relative major's: i-VI-III-VII is vi-IV-I-V). Used to read the key misses of the TUNING grooves (docs/accuracy.md, "Where the
remaining grooves key misses come from"). It mirrors the order of random draws in
`real_dev_corpus.groove_set`; if that script changes, the names printed here stop matching the
`groove` field of its truth.json, which this script checks when SET_DIR/truth.json is given in
env TRUTH.
"""
import glob
import json
import os
import random
import sys

sys.path.insert(0, os.environ.get("SHARED", "../shared/eval"))
import real_dev_corpus as r  # noqa: E402
from score import key_score  # noqa: E402


def main():
    seed = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 100
    want = {a for a in sys.argv[2:] if not a.isdigit()}
    truth = json.load(open(os.environ["TRUTH"])) if os.environ.get("TRUTH") else {}
    rng = random.Random(seed)
    pool = []
    for f in sorted(glob.glob("/usr/share/mma/lib/stdlib/*.mma")):
        base = os.path.basename(f)[:-4]
        names = [l.split()[1] for l in open(f, errors="ignore") if l.startswith("DefGroove ")]
        if names and names[0] not in r.HELD_OUT_GROOVES and names[0] != "None" and not any(
                s in base for s in ("68", "128", "desert", "boneym", "metronome")):
            pool.extend(names)
    estimates = json.load(open(os.environ["ESTIMATES"])) if os.environ.get("ESTIMATES") else None
    kinds = {}
    used = set()
    for i in range(n):
        groove = pool[i % len(pool)] if i >= len(pool) else rng.choice([g for g in pool if g not in used])
        used.add(groove)
        mode, tonic, bpm = rng.choice(["major", "major", "minor"]), rng.randrange(12), round(rng.uniform(72, 170), 1)
        prog, start = rng.choice(r.PROGS[mode]), rng.randrange(4)
        degrees = r.MAJOR if mode == "major" else r.MINOR
        bars = [r.NAMES[(tonic + degrees[prog[(start + b) % 4]][0]) % 12] + degrees[prog[(start + b) % 4]][1]
                for b in range(4)]
        name = f"v{i:03d}.{rng.choice(['mp3', 'ogg', 'm4a', 'flac'])}"
        if name in truth and truth[name].get("groove") != groove:
            sys.exit(f"{name}: replayed groove {groove}, truth.json says {truth[name].get('groove')}")
        if estimates is not None and name in truth and name in estimates:
            kind = "major" if mode == "major" else ("minor with V" if "V" in prog else "minor without V")
            est = estimates[name]["leitmotif"]
            tr = truth[name]
            kinds.setdefault(kind, []).append(key_score(tr["key"], tr["mode"], est.get("key"), est.get("mode")))
            continue
        if not want or f"v{i:03d}" in want or name in want:
            numerals = "-".join(prog[(start + b) % 4] for b in range(4))
            print(f"{name} {groove} {bpm} {mode} {r.NAMES[tonic]} {numerals} {' '.join(bars)}")

    for kind, scores in sorted(kinds.items()):
        print(f"{kind:16s} {len(scores):3d} files, MIREX {sum(scores) / len(scores):.3f}")


if __name__ == "__main__":
    main()
