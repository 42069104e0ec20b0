"""Shared fixtures: repository paths, the committed librosa references, the CLI binary."""
import os
import wave

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIGNALS = os.path.join(ROOT, "tests", "fixtures", "librosa")
SAMPLES = os.path.join(ROOT, "audio-samples")
REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "librosa_ref.npz")


def read_float_wav(path):
    """The 32-bit float mono WAVs of tests/fixtures/librosa, read without leitmotif."""
    with open(path, "rb") as f:
        data = f.read()
    i = data.index(b"data")
    n = int.from_bytes(data[i + 4:i + 8], "little")
    return np.frombuffer(data[i + 8:i + 8 + n], dtype="<f4").copy()


def read_pcm16_wav(path):
    """(channels, n) float32 of a 16-bit PCM WAV, read with the standard library."""
    with wave.open(path, "rb") as w:
        ch, n = w.getnchannels(), w.getnframes()
        x = np.frombuffer(w.readframes(n), dtype="<i2").astype(np.float32) / 32768.0
        return x.reshape(n, ch).T.copy(), w.getframerate()


@pytest.fixture(scope="session")
def ref():
    with np.load(REF) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="session")
def signals():
    return {n: read_float_wav(os.path.join(SIGNALS, f"{n}.wav"))
            for n in ["music", "chirp", "tones", "silence"]}


@pytest.fixture(scope="session")
def sample_paths():
    return sorted(os.path.join(SAMPLES, f) for f in os.listdir(SAMPLES)
                  if f.split(".")[-1] in ("mp3", "flac", "ogg", "m4a", "wav"))


@pytest.fixture(scope="session")
def cli():
    exe = os.environ.get("LEITMOTIF_BIN") or os.path.join(ROOT, "target", "release", "leitmotif")
    if not os.path.exists(exe):
        pytest.fail(f"the leitmotif CLI is needed at {exe} (cargo build --release); "
                    "python/run_tests.sh builds it")
    return exe
