#!/usr/bin/env python3
"""librosa 0.11 reference outputs for the Python package's tests (python/tests/).

Usage (from the repository root; run once, commit the output):

    python3 -m venv /tmp/pyref && /tmp/pyref/bin/pip install 'librosa==0.11.*'
    /tmp/pyref/bin/python tools/make_python_fixtures.py

Inputs are the signals already committed for the Rust parity tests
(tests/fixtures/librosa/{chirp,tones,music,silence}.wav, 22050 Hz mono float32). Writes
python/tests/fixtures/librosa_ref.npz (compressed), keys ``SIGNAL/FUNCTION``:

- every librosa function the package mirrors, called with its defaults on the float32
  signal (``y=`` form) and, for the spectral ones, on a given ``S=`` too;
- ``f64/...``: a few functions on the float64 signal (librosa keeps float64);
- ``stereo/...``: ``(2, n)`` input (music and chirp as two channels);
- ``music/beat_tempo``, ``music/beat_frames``: ``librosa.beat.beat_track(y=y, sr=sr)``.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import soundfile as sf

import librosa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "tests", "fixtures", "librosa")
OUT = os.path.join(ROOT, "python", "tests", "fixtures", "librosa_ref.npz")
SR = 22050


def read(name):
    y, sr = sf.read(os.path.join(SRC, f"{name}.wav"), dtype="float32")
    assert sr == SR
    return y


def refs(y, keep_big):
    f = librosa.feature
    S = np.abs(librosa.stft(y))
    out = {
        "centroid": f.spectral_centroid(y=y, sr=SR),
        "bandwidth": f.spectral_bandwidth(y=y, sr=SR),
        "rolloff": f.spectral_rolloff(y=y, sr=SR),
        "rolloff_95": f.spectral_rolloff(y=y, sr=SR, roll_percent=0.95),
        "flatness": f.spectral_flatness(y=y),
        "contrast": f.spectral_contrast(y=y, sr=SR),
        "contrast_linear": f.spectral_contrast(S=S, sr=SR, linear=True),
        "zcr": f.zero_crossing_rate(y),
        "zcr_nocenter": f.zero_crossing_rate(y, center=False),
        "rms": f.rms(y=y),
        "rms_S": f.rms(S=S),
        "mfcc": f.mfcc(y=y, sr=SR),
        "mfcc_13_lifter": f.mfcc(y=y, sr=SR, n_mfcc=13, lifter=22),
        "chroma": f.chroma_stft(y=y, sr=SR),
        "chroma_S_tuning0": f.chroma_stft(S=S ** 2, sr=SR, tuning=0.0),
        "onset": librosa.onset.onset_strength(y=y, sr=SR),
        "onset_median": librosa.onset.onset_strength(y=y, sr=SR, aggregate=np.median),
        "onset_lag2": librosa.onset.onset_strength(y=y, sr=SR, lag=2),
        "mel_64": f.melspectrogram(y=y, sr=SR, n_mels=64, fmax=8000.0),
    }
    if keep_big:
        out["mel"] = f.melspectrogram(y=y, sr=SR)
        out["stft_head"] = librosa.stft(y)[:, 40:44]
        out["stft_1024_head"] = librosa.stft(y, n_fft=1024, hop_length=256)[:, 40:44]
    return out


def main():
    data = {}
    meta = {"librosa": librosa.__version__, "numpy": np.__version__, "sr": SR}
    signals = {n: read(n) for n in ["music", "chirp", "tones", "silence"]}
    for name, y in signals.items():
        for k, v in refs(y, keep_big=name in ("music", "chirp")).items():
            data[f"{name}/{k}"] = v
    y = signals["music"]
    tempo, beats = librosa.beat.beat_track(y=y, sr=SR)
    data["music/beat_tempo"] = np.atleast_1d(tempo)
    data["music/beat_frames"] = beats
    env = librosa.onset.onset_strength(y=y, sr=SR)
    data["music/tempo_mean_env"] = np.atleast_1d(librosa.feature.tempo(onset_envelope=env, sr=SR))
    t2, b2 = librosa.beat.beat_track(onset_envelope=env, sr=SR, bpm=100.0, tightness=50)
    data["music/beats_bpm100_t50"] = b2
    y64 = y.astype(np.float64)
    data["f64/centroid"] = librosa.feature.spectral_centroid(y=y64, sr=SR)
    data["f64/mfcc"] = librosa.feature.mfcc(y=y64, sr=SR)
    data["f64/onset"] = librosa.onset.onset_strength(y=y64, sr=SR)
    st = np.stack([y, signals["chirp"][: len(y)] if len(signals["chirp"]) >= len(y)
                   else np.pad(signals["chirp"], (0, len(y) - len(signals["chirp"])))])
    data["stereo/centroid"] = librosa.feature.spectral_centroid(y=st, sr=SR)
    data["stereo/mfcc"] = librosa.feature.mfcc(y=st, sr=SR)
    data["stereo/chroma"] = librosa.feature.chroma_stft(y=st, sr=SR)
    data["stereo/zcr"] = librosa.feature.zero_crossing_rate(st)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    np.savez_compressed(OUT, **data)
    with open(os.path.join(os.path.dirname(OUT), "librosa_ref.json"), "w") as fh:
        json.dump(meta, fh, indent=2, sort_keys=True)
        fh.write("\n")
    print(f"{OUT}: {len(data)} arrays, {os.path.getsize(OUT) / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
