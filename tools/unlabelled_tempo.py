#!/usr/bin/env python3
"""Plausibility of leitmotif's tempo on unlabelled real recordings: where librosa 0.11
(`beat_track`) and Essentia 2.1 (`RhythmExtractor2013`, multifeature) agree within 4 %, does
leitmotif agree too (ACC1 against their mean, and ACC2)? Also counts null tempos.

usage: unlabelled_tempo.py DIR LEITMOTIF.jsonl ANCHORS_CACHE.json [N] [KEY_ANCHORS.json]
       (env AGREEMENT_SET=OUT: also write OUT/truth.json and links to the tracks where librosa and
       Essentia agree, truth = their mean, for `tempo_grid_eval -- OUT`)
(`leitmotif extract DIR -o LEITMOTIF.jsonl` first; e.g. DIR = /usr/share/games/wesnoth/1.16/data/core/music
from the Debian package wesnoth-1.16-music; the first N files in name order, default all).
KEY_ANCHORS.json, the output of `../shared/eval/anchors.py DIR KEY_ANCHORS.json`, adds the same
check for the key: where librosa's key (`chroma_cqt` + Krumhansl-Kessler) equals the key of one
of Essentia's three profiles, does leitmotif name it too?
"""
import json, os, sys


def main():
    d, jsonl, cache = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else None
    lm = {os.path.basename(json.loads(l)["path"]): json.loads(l) for l in open(jsonl)}
    files = sorted(lm)[:n]
    res = json.load(open(cache)) if os.path.exists(cache) else {}
    for f in files:
        if f in res:
            continue
        import librosa, numpy as np
        import essentia.standard as es
        p = os.path.join(d, f)
        y, sr = librosa.load(p, sr=22050, mono=True)
        tl, _ = librosa.beat.beat_track(y=y, sr=sr)
        te, _, _, _, _ = es.RhythmExtractor2013(method="multifeature")(es.MonoLoader(filename=p, sampleRate=44100)())
        res[f] = {"librosa": float(np.atleast_1d(tl)[0]), "essentia": float(te)}
        json.dump(res, open(cache, "w"), indent=1)
    agree = ok1 = ok2 = nulls = 0
    agreed = {}
    for f in files:
        t = lm[f].get("tempo", {}).get("bpm")
        a, e = res[f]["librosa"], res[f]["essentia"]
        nulls += t is None
        both = abs(a - e) <= 0.04 * e
        line = f"{f:32s} leitmotif {t if t is None else round(t, 1)!s:>6} librosa {a:6.1f} essentia {e:6.1f}"
        if both and a > 0:
            ref = (a + e) / 2
            agreed[f] = {"bpm": ref}
            agree += 1
            x1 = t is not None and abs(t - ref) <= 0.04 * ref
            x2 = t is not None and any(abs(t - ref * m) <= 0.04 * ref * m for m in (1, 2, 3, 0.5, 1 / 3))
            ok1 += x1
            ok2 += x2
            line += "  agree: " + ("OK" if x1 else "octave" if x2 else "MISS")
        print(line)
    print(f"{len(files)} tracks, {nulls} null tempos; librosa and Essentia agree on {agree}: "
          f"leitmotif agrees on {ok1} (ACC1), {ok2} within an octave/third (ACC2)")
    out = os.environ.get("AGREEMENT_SET")
    if out:
        os.makedirs(out, exist_ok=True)
        for f in agreed:
            link = os.path.join(out, f)
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(os.path.join(d, f)), link)
        json.dump(agreed, open(os.path.join(out, "truth.json"), "w"), indent=1)
    if len(sys.argv) > 5:
        keys_of(files, lm, json.load(open(sys.argv[5])))


SHARP = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}


def keys_of(files, lm, anchors):
    agree = ok = nulls = 0
    for f in files:
        k = lm[f].get("key", {})
        ours = f"{SHARP.get(k['tonic'], k['tonic'])} {k['mode']}" if k.get("tonic") else None
        nulls += ours is None
        lib = f"{anchors[f]['librosa']['key']} {anchors[f]['librosa']['mode']}"
        ess = {anchors[f]["essentia"].get(p) for p in ("key_krumhansl", "key_temperley", "key_edma")}
        line = f"{f:32s} leitmotif {ours!s:9s} librosa {lib:9s} essentia {', '.join(sorted(x for x in ess if x))}"
        if lib in ess:
            agree += 1
            ok += ours == lib
            line += "  agree: " + ("OK" if ours == lib else "MISS")
        print(line)
    print(f"{len(files)} tracks, {nulls} null keys; librosa and an Essentia profile agree on {agree}: "
          f"leitmotif agrees on {ok}")


if __name__ == "__main__":
    main()
