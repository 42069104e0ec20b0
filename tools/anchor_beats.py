#!/usr/bin/env python3
"""Beat times of librosa 0.11 (`beat_track` on `onset_strength`, 22050 Hz, as
../shared/eval/anchors.py loads) and Essentia 2.1 (`RhythmExtractor2013`, multifeature, 44100 Hz)
for every file of an evaluation set, for tools/accuracy_report.py.

usage: anchor_beats.py SET_DIR OUT.json      writes {file: {"librosa": {"beats": [...]}, "essentia": {...}}}
"""
import json, os, sys

import numpy as np


def main():
    import librosa
    import essentia.standard as es
    d, outp = sys.argv[1], sys.argv[2]
    truth = json.load(open(os.path.join(d, "truth.json")))
    res = json.load(open(outp)) if os.path.exists(outp) else {}
    for f in sorted(truth):
        if f in res:
            continue
        p = os.path.join(d, f)
        y, sr = librosa.load(p, sr=22050, mono=True)
        _, bl = librosa.beat.beat_track(onset_envelope=librosa.onset.onset_strength(y=y, sr=sr), sr=sr, units="time")
        audio = es.MonoLoader(filename=p, sampleRate=44100)()
        _, be, _, _, _ = es.RhythmExtractor2013(method="multifeature")(audio)
        res[f] = {"librosa": {"beats": [float(x) for x in np.atleast_1d(bl)]},
                  "essentia": {"beats": [float(x) for x in be]}}
        json.dump(res, open(outp, "w"))


if __name__ == "__main__":
    main()
