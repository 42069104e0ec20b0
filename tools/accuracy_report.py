#!/usr/bin/env python3
"""Turns leitmotif's JSON Lines output for one evaluation set into score.py's estimates format,
merged with the librosa/Essentia anchors, and scores beats on sets with a tempo truth.

usage: accuracy_report.py SET_DIR LEITMOTIF.jsonl ESTIMATES_OUT.json [ANCHORS.json] [BEATS.json]

SET_DIR/truth.json: truth of ../shared/eval/real_dev_corpus.py or synth_corpus.py.
LEITMOTIF.jsonl:    `leitmotif extract SET_DIR -o LEITMOTIF.jsonl` (the real CLI).
ANCHORS.json:       ../shared/eval/anchors.py SET_DIR ANCHORS.json (librosa 0.11 and Essentia 2.1).
BEATS.json:         tools/anchor_beats.py SET_DIR BEATS.json (librosa / Essentia beat times).
Writes ESTIMATES_OUT.json ({file: {system: {"bpm", "key", "mode", ...}}}), then run score.py on it.
Prints the beat F-measure (mir_eval.beat.f_measure, 70 ms, after trim_beats on both sides) of
every system against the exact grid t_k = k*60/bpm (grooves and synthetic songs start on a beat
at t = 0), plus leitmotif's misses for inspection.

For the grooves the grid uses the tempo MMA actually renders: MMA truncates `Tempo` to a whole
BPM (`Tempo 73.6` writes a MIDI tempo of 73.00007 BPM; check with
`printf 'Tempo 73.6\nGroove 60sRock\n1 C\n' > a.mma && mma -f a.mid a.mma` and
`pretty_midi.PrettyMIDI('a.mid').get_tempo_changes()`), while truth.json keeps the requested
73.6. Over 60 s the requested grid drifts up to half a second away from the audio, which pulls
every system's beat F down. Tempo ACC1/ACC2 (score.py) keep the requested tempo: the
difference (at most 1.4 %) is well inside their 4 % tolerance.
"""
import json, os, sys

import numpy as np

FLAT2SHARP = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}


def grid_bpm(t):
    """The tempo of the truth grid: MMA's whole-BPM tempo for grooves, else truth.json's."""
    return float(np.floor(t["bpm"])) if "groove" in t else t["bpm"]


def truth_beats(bpm, duration):
    beat = 60.0 / bpm
    return np.arange(int(np.floor(duration / beat - 1e-9)) + 1) * beat


def beat_f(ref, est):
    import mir_eval
    return float(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(ref), mir_eval.beat.trim_beats(np.asarray(est, float)),
                                         f_measure_threshold=0.07))


def main():
    d, jsonl, outp = sys.argv[1], sys.argv[2], sys.argv[3]
    anchors = json.load(open(sys.argv[4])) if len(sys.argv) > 4 and os.path.exists(sys.argv[4]) else {}
    beats = json.load(open(sys.argv[5])) if len(sys.argv) > 5 and os.path.exists(sys.argv[5]) else {}
    truth = json.load(open(os.path.join(d, "truth.json")))
    est, lm = {}, {}
    for line in open(jsonl):
        r = json.loads(line)
        lm[os.path.basename(r["path"])] = r
    for f, t in truth.items():
        e = est.setdefault(f, {})
        r = lm.get(f)
        if r is not None and "tempo" in r:
            ft = r
            k = ft["key"]
            e["leitmotif"] = {"key": FLAT2SHARP.get(k["tonic"], k["tonic"]) if k["tonic"] else None, "mode": k["mode"]}
            if "bpm" in t:
                e["leitmotif"]["bpm"] = ft["tempo"]["bpm"]
        for sysname, a in anchors.get(f, {}).items():
            if "error" not in a:
                e[sysname] = {kk: vv for kk, vv in a.items()
                              if kk in ("key", "mode") or kk.startswith("key_") or (kk == "bpm" and "bpm" in t)}
    json.dump(est, open(outp, "w"), indent=1)
    # misses, for inspection
    for f, t in sorted(truth.items()):
        r = lm.get(f)
        if r is None or "tempo" not in r:
            print(f"{f}: no leitmotif record")
            continue
        tb, k = r["tempo"]["bpm"], r["key"]
        bad_t = "bpm" in t and (tb is None or abs(tb - t["bpm"]) > 0.04 * t["bpm"])
        kk = FLAT2SHARP.get(k["tonic"], k["tonic"]) if k["tonic"] else None
        bad_k = "key" in t and (kk != t["key"] or k["mode"] != t["mode"])
        if bad_t or bad_k:
            print(f"{f}: truth {t.get('bpm', '')} {t.get('key')} {t.get('mode')} {t.get('groove', t.get('style', ''))}"
                  f" | leitmotif {tb} {k['tonic']} {k['mode']} ({k['confidence']:.2f}) cands {r['tempo'].get('candidates')}")
    if not any("bpm" in t for t in truth.values()):
        return
    rows = {}
    for f, t in truth.items():
        r = lm.get(f)
        if r is None or "tempo" not in r or "bpm" not in t:
            continue
        dur = lm[f]["duration_s"]
        ref = truth_beats(grid_bpm(t), dur)
        rows.setdefault("leitmotif", []).append(beat_f(ref, r["beats"]))
        for sysname, b in beats.get(f, {}).items():
            rows.setdefault(sysname, []).append(beat_f(ref, b["beats"]))
    for sysname, fs in rows.items():
        print(f"{sysname:10s} beat F (70 ms) n={len(fs):3d} mean={np.mean(fs):.3f} median={np.median(fs):.3f}")


if __name__ == "__main__":
    main()
