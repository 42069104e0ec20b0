#!/usr/bin/env python3
"""librosa 0.11 doing what `leitmotif extract` does, file after file, on one core:
load (22050 Hz mono, soxr_hq), STFT, spectral centroid/bandwidth/rolloff/flatness/contrast,
ZCR, RMS, mel, MFCC, onset strength, chroma_stft, beat_track.
usage: OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python librosa_full.py DIR  → prints total seconds"""
import os, sys, time, warnings

warnings.filterwarnings("ignore")
import numpy as np
import librosa

files = sorted(os.path.join(sys.argv[1], f) for f in os.listdir(sys.argv[1]))
# compile numba paths before timing
y0 = np.random.default_rng(0).standard_normal(22050 * 5).astype(np.float32)
librosa.beat.beat_track(y=y0, sr=22050)
t0 = time.perf_counter()
audio = 0.0
for f in files:
    y, sr = librosa.load(f, sr=22050, mono=True)
    audio += len(y) / sr
    S = np.abs(librosa.stft(y))
    for fn in (librosa.feature.spectral_centroid, librosa.feature.spectral_bandwidth,
               librosa.feature.spectral_rolloff, librosa.feature.spectral_contrast):
        fn(S=S, sr=sr)
    librosa.feature.spectral_flatness(S=S)
    librosa.feature.zero_crossing_rate(y)
    librosa.feature.rms(S=S)
    mel = librosa.feature.melspectrogram(S=S**2, sr=sr)
    librosa.feature.mfcc(S=librosa.power_to_db(mel))
    env = librosa.onset.onset_strength(y=y, sr=sr)
    librosa.feature.chroma_stft(S=S**2, sr=sr)
    librosa.beat.beat_track(onset_envelope=env, sr=sr)
print(f"librosa: {time.perf_counter() - t0:.2f} s for {audio / 60:.1f} min of audio")
