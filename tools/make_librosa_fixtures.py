#!/usr/bin/env python3
"""Generate librosa reference fixtures for leitmotif's numerical tests.

Usage (from the repo root):

    python3 -m venv /tmp/evalenv
    /tmp/evalenv/bin/pip install 'librosa==0.11.*' numpy soundfile scipy pretty_midi
    # for the music signals (optional; a synthetic fallback is used otherwise):
    apt-get install -y fluidsynth fluid-soundfont-gm
    /tmp/evalenv/bin/python tools/make_librosa_fixtures.py [--out tests/fixtures/librosa]

For every signal NAME this writes
    NAME.wav  the exact input (mono 32-bit float WAV, same layout as soundfile subtype FLOAT; music44.wav is 16-bit stereo 44.1 kHz)
    NAME.npz  uncompressed np.savez with the reference features (see README.md)
plus meta.json with the library versions and the consistency checks that
NOTES.md refers to.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import scipy
import soundfile as sf

import librosa

SR = 22050
N_FFT = 2048
HOP = 512
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"


# --------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------

def make_chirp() -> np.ndarray:
    dur = 2.0
    t = np.arange(int(dur * SR)) / SR
    y = 0.5 * scipy.signal.chirp(t, f0=100.0, t1=dur, f1=8000.0, method="logarithmic")
    rng = np.random.default_rng(0)
    y = y + 0.05 * rng.standard_normal(len(t))
    return y.astype(np.float32)


def make_tones() -> np.ndarray:
    dur = 2.0
    n = int(dur * SR)
    t = np.arange(n) / SR
    y = (0.3 * np.sin(2 * np.pi * 440.0 * t)
         + 0.2 * np.sin(2 * np.pi * 660.0 * t)
         + 0.1 * np.sin(2 * np.pi * 1234.5 * t))
    nf = int(0.05 * SR)
    ramp = np.linspace(0.0, 1.0, nf)
    env = np.ones(n)
    env[:nf] = ramp
    env[-nf:] = ramp[::-1]
    return (y * env).astype(np.float32)


def make_silence() -> np.ndarray:
    return np.zeros(SR, dtype=np.float32)


def build_midi(path: str) -> None:
    """~5 s at 120 BPM: piano chords, bass, melody, drums."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    beat = 0.5  # seconds per beat at 120 BPM
    piano = pretty_midi.Instrument(program=0, name="piano")
    bass = pretty_midi.Instrument(program=33, name="bass")
    lead = pretty_midi.Instrument(program=73, name="flute")
    drums = pretty_midi.Instrument(program=0, is_drum=True, name="drums")

    # C - Am - F - G, one bar (4 beats) would be 8 s; use 2 beats per chord -> 4 s + tail
    chords = [(48, [60, 64, 67]), (45, [57, 60, 64]), (41, [57, 60, 65]), (43, [55, 59, 62])]
    for i, (root, notes) in enumerate(chords):
        t0 = i * 2 * beat
        for p in notes:
            piano.notes.append(pretty_midi.Note(velocity=80, pitch=p, start=t0, end=t0 + 2 * beat))
        bass.notes.append(pretty_midi.Note(velocity=100, pitch=root - 12, start=t0, end=t0 + beat * 0.9))
        bass.notes.append(pretty_midi.Note(velocity=90, pitch=root, start=t0 + beat, end=t0 + 1.9 * beat))

    melody = [76, 74, 72, 74, 76, 76, 76, 0, 74, 74, 74, 0, 76, 79, 79, 0]
    for i, p in enumerate(melody):
        if p:
            t0 = i * 0.5 * beat
            lead.notes.append(pretty_midi.Note(velocity=95, pitch=p, start=t0, end=t0 + 0.45 * beat))

    for i in range(16):  # eighth notes over 4 s
        t0 = i * 0.5 * beat
        drums.notes.append(pretty_midi.Note(velocity=70, pitch=42, start=t0, end=t0 + 0.1))  # closed hat
        if i % 4 == 0:
            drums.notes.append(pretty_midi.Note(velocity=110, pitch=36, start=t0, end=t0 + 0.1))  # kick
        if i % 4 == 2:
            drums.notes.append(pretty_midi.Note(velocity=100, pitch=38, start=t0, end=t0 + 0.1))  # snare
    # final chord + crash at 4 s
    for p in [48, 60, 64, 67, 72]:
        piano.notes.append(pretty_midi.Note(velocity=85, pitch=p, start=4.0, end=5.0))
    drums.notes.append(pretty_midi.Note(velocity=100, pitch=49, start=4.0, end=4.5))
    drums.notes.append(pretty_midi.Note(velocity=110, pitch=36, start=4.0, end=4.1))

    pm.instruments.extend([piano, bass, lead, drums])
    pm.write(path)


def render_fluidsynth(midi: str, wav: str, rate: int) -> np.ndarray:
    """Render stereo 16-bit WAV with the fluidsynth CLI; returns int16 array (n, 2)."""
    cmd = ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(rate),
           "-T", "wav", "-O", "s16", "-F", wav, SF2, midi]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    data, r = sf.read(wav, dtype="int16", always_2d=True)
    assert r == rate, (r, rate)
    return data


def synthetic_music(rate: int) -> np.ndarray:
    """Fallback: harmonic notes + percussive noise bursts at 120 BPM, float64 mono."""
    n = int(5.0 * rate)
    t = np.arange(n) / rate
    y = np.zeros(n)
    rng = np.random.default_rng(1)
    pitches = [60, 64, 67, 72, 67, 64, 62, 65, 69, 74]
    for i, p in enumerate(pitches):
        t0 = i * 0.5
        f = 440.0 * 2 ** ((p - 69) / 12)
        m = (t >= t0) & (t < t0 + 0.5)
        tt = t[m] - t0
        env = np.exp(-3 * tt)
        for h in range(1, 6):
            y[m] += 0.15 / h * env * np.sin(2 * np.pi * h * f * tt)
        k = int(t0 * rate)
        L = int(0.05 * rate)
        y[k:k + L] += 0.3 * rng.standard_normal(min(L, n - k)) * np.exp(-np.arange(min(L, n - k)) / (0.01 * rate))
    return y


def make_music(out_dir: str):
    """Returns (music_22050_mono_float32, path_to_music44_wav, method)."""
    wav44 = os.path.join(out_dir, "music44.wav")
    if shutil.which("fluidsynth") and os.path.exists(SF2):
        with tempfile.TemporaryDirectory() as td:
            midi = os.path.join(td, "music.mid")
            build_midi(midi)
            s22 = render_fluidsynth(midi, os.path.join(td, "m22.wav"), 22050)
            s44 = render_fluidsynth(midi, os.path.join(td, "m44.wav"), 44100)
        # trim both to exactly 5.0 s
        s22 = s22[: 5 * 22050]
        s44 = s44[: 5 * 44100]
        y = (s22.astype(np.float64) / 32768.0).mean(axis=1).astype(np.float32)
        sf.write(wav44, s44, 44100, subtype="PCM_16")
        return y, wav44, "fluidsynth+FluidR3_GM"
    y = synthetic_music(22050).astype(np.float32)
    y44 = synthetic_music(44100)
    st = np.stack([y44, 0.8 * y44], axis=1)
    sf.write(wav44, np.clip(st, -1, 1), 44100, subtype="PCM_16")
    return y, wav44, "synthetic"


def write_float_wav(path: str, y: np.ndarray, rate: int) -> None:
    """Mono 32-bit IEEE-float WAV (fmt tag 3, 16-byte fmt chunk, fact chunk), i.e. what
    soundfile subtype='FLOAT' writes minus libsndfile's PEAK chunk, which embeds a
    timestamp and would make regenerated fixtures differ byte-wise."""
    import struct

    data = np.ascontiguousarray(y, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    fact = struct.pack("<I", len(y))
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<I", len(fact)) + fact
            + b"data" + struct.pack("<I", len(data)) + data)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)


# --------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------

def features(y: np.ndarray, checks: dict) -> dict:
    sr = SR
    S = np.abs(librosa.stft(y))
    n = S.shape[1]
    mel = librosa.feature.melspectrogram(S=S ** 2, sr=sr)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=20)
    mfcc_y = librosa.feature.mfcc(y=y, sr=sr)
    onset = librosa.onset.onset_strength(y=y, sr=sr)
    onset_S = librosa.onset.onset_strength(S=librosa.power_to_db(mel, ref=np.max))
    tuning = librosa.estimate_tuning(y=y, sr=sr)
    tuning_power = librosa.estimate_tuning(S=S ** 2, sr=sr, bins_per_octave=12)
    chroma = librosa.feature.chroma_stft(y=y, sr=sr)
    chroma_S = librosa.feature.chroma_stft(S=S ** 2, sr=sr)
    chroma_t0 = librosa.feature.chroma_stft(S=S ** 2, sr=sr, tuning=tuning_power)

    def cmp(a, b):
        a = np.asarray(a, np.float64)
        b = np.asarray(b, np.float64)
        return {"array_equal": bool(np.array_equal(a, b)),
                "max_abs_diff": float(np.max(np.abs(a - b))) if a.size else 0.0}

    checks["mfcc_S_vs_mfcc_y"] = cmp(mfcc, mfcc_y)
    checks["onset_y_vs_onset_S_refmax"] = cmp(onset, onset_S)
    checks["chroma_y_vs_chroma_S_power"] = cmp(chroma, chroma_S)
    checks["chroma_S_vs_chroma_S_with_tuning_power"] = cmp(chroma_S, chroma_t0)
    checks["tuning_y_magnitude"] = float(tuning)
    checks["tuning_power_spectrum(used by chroma_stft)"] = float(tuning_power)

    f32 = lambda a: np.asarray(a, dtype=np.float32)
    out = {
        "S": f32(S),
        "centroid": f32(librosa.feature.spectral_centroid(S=S, sr=sr)),
        "bandwidth": f32(librosa.feature.spectral_bandwidth(S=S, sr=sr)),
        "rolloff": f32(librosa.feature.spectral_rolloff(S=S, sr=sr)),
        "flatness": f32(librosa.feature.spectral_flatness(S=S)),
        "contrast": f32(librosa.feature.spectral_contrast(S=S, sr=sr)),
        "zcr": f32(librosa.feature.zero_crossing_rate(y)),
        "rms": f32(librosa.feature.rms(S=S)),
        "mel": f32(mel),
        "mfcc": f32(mfcc),
        "onset_strength": f32(onset),
        "onset_strength_S": f32(onset_S),  # onset_strength(S=power_to_db(mel, ref=np.max))
        "tuning": np.array(float(tuning), dtype=np.float64),
        "tuning_power": np.array(float(tuning_power), dtype=np.float64),
        "chroma": f32(chroma),
        "chroma_S": f32(chroma_S),  # chroma_stft(S=S**2, sr=22050)
        "times": f32(librosa.frames_to_time(np.arange(n), sr=sr, hop_length=HOP)),
    }
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "..", "tests", "fixtures", "librosa"))
    args = ap.parse_args()
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)

    meta = {
        "librosa_version": librosa.__version__,
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "soundfile_version": sf.__version__,
        "python_version": sys.version.split()[0],
        "sr": SR, "n_fft": N_FFT, "hop_length": HOP,
        "signals": {},
    }
    try:
        import soxr
        meta["soxr_version"] = soxr.__version__
    except Exception:  # pragma: no cover
        pass

    music, wav44, method = make_music(out_dir)
    signals = {
        "chirp": make_chirp(),
        "tones": make_tones(),
        "music": music,
        "silence": make_silence(),
    }
    for name, y in signals.items():
        write_float_wav(os.path.join(out_dir, f"{name}.wav"), y, SR)
        # Sanity: the stored WAV must round-trip bit-exactly.
        info = sf.info(os.path.join(out_dir, f"{name}.wav"))
        assert (info.samplerate, info.channels, info.subtype) == (SR, 1, "FLOAT"), info
        back, _ = sf.read(os.path.join(out_dir, f"{name}.wav"), dtype="float32")
        assert back.dtype == np.float32 and np.array_equal(back, y), name

    # music44: reference = librosa.load(path, sr=22050, mono=True) (soxr_hq)
    y44, _ = librosa.load(wav44, sr=SR, mono=True)
    signals["music44"] = y44

    for name, y in signals.items():
        checks: dict = {}
        feats = features(y, checks)
        if name == "music44":
            feats["y"] = y.astype(np.float32)  # the librosa-loaded (downmixed+resampled) input
        np.savez(os.path.join(out_dir, f"{name}.npz"), **feats)
        meta["signals"][name] = {
            "n_samples": int(len(y)),
            "n_frames": int(feats["S"].shape[1]),
            "source": method if name.startswith("music") else "numpy",
            "checks": checks,
        }
        print(name, len(y), feats["S"].shape, json.dumps(checks))

    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")

    total = sum(os.path.getsize(os.path.join(out_dir, p)) for p in os.listdir(out_dir))
    print(f"total fixture size: {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
