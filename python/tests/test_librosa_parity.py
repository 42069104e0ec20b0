"""Every librosa-compatible function against librosa 0.11 outputs committed as fixtures
(tools/make_python_fixtures.py), on the signals of tests/fixtures/librosa.

Errors are relative, ``max |got − want| / (|want| + floor)``, with the floor a small
fraction of the array's largest magnitude so that near-zero entries are judged on the
array's scale; dB-valued outputs (contrast, MFCC) are judged in absolute dB. Each bound is
about 10× the error measured when the test was written (printed with ``pytest -s``).
"""
import numpy as np
import pytest

import leitmotif

SR = 22050
NAMES = ["music", "chirp", "tones", "silence"]


def rel(got, want, floor=1e-6):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.size == 0:
        return 0.0
    f = floor * max(np.abs(want).max(), 1e-30)
    return float((np.abs(got - want) / (np.abs(want) + f)).max())


def absdiff(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    return float(np.abs(got - want).max()) if want.size else 0.0


def rel_scale(got, want):
    """Error relative to the array's largest magnitude: for onset strength, a difference of
    dB values, whose entries carry the f32 rounding of the dB values (~2e-6 dB at 30 dB)
    whatever their own size."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


F = leitmotif.feature
# (key, call, measure, bound)
CASES = [
    ("centroid", lambda y: F.spectral_centroid(y=y, sr=SR), rel, 1e-6),
    ("bandwidth", lambda y: F.spectral_bandwidth(y=y, sr=SR), rel, 1e-6),
    ("rolloff", lambda y: F.spectral_rolloff(y=y, sr=SR), rel, 1e-6),
    ("rolloff_95", lambda y: F.spectral_rolloff(y=y, sr=SR, roll_percent=0.95), rel, 1e-6),
    ("flatness", lambda y: F.spectral_flatness(y=y), rel, 2.5e-5),
    ("contrast", lambda y: F.spectral_contrast(y=y, sr=SR), absdiff, 5e-5),
    ("contrast_linear",
     lambda y: F.spectral_contrast(S=np.abs(leitmotif.stft(y)), sr=SR, linear=True), rel, 2.5e-6),
    ("zcr", lambda y: F.zero_crossing_rate(y), rel, 1e-6),
    ("zcr_nocenter", lambda y: F.zero_crossing_rate(y, center=False), rel, 1e-6),
    ("rms", lambda y: F.rms(y=y), rel, 1e-6),
    ("rms_S", lambda y: F.rms(S=np.abs(leitmotif.stft(y))), rel, 1e-5),
    ("mfcc", lambda y: F.mfcc(y=y, sr=SR), absdiff, 1e-3),
    ("mfcc_13_lifter", lambda y: F.mfcc(y=y, sr=SR, n_mfcc=13, lifter=22), absdiff, 2.5e-3),
    ("chroma", lambda y: F.chroma_stft(y=y, sr=SR), rel, 1.5e-5),
    ("chroma_S_tuning0",
     lambda y: F.chroma_stft(S=np.abs(leitmotif.stft(y)) ** 2, sr=SR, tuning=0.0), rel, 1e-5),
    ("onset", lambda y: leitmotif.onset.onset_strength(y=y, sr=SR), rel_scale, 2.5e-5),
    ("onset_median",
     lambda y: leitmotif.onset.onset_strength(y=y, sr=SR, aggregate=np.median), rel_scale, 2.5e-5),
    ("onset_lag2", lambda y: leitmotif.onset.onset_strength(y=y, sr=SR, lag=2), rel_scale, 2.5e-5),
    ("mel_64", lambda y: F.melspectrogram(y=y, sr=SR, n_mels=64, fmax=8000.0), rel, 5e-6),
]

MEASURED = {}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("key,call,measure,bound", CASES, ids=[c[0] for c in CASES])
def test_function_matches_librosa(name, key, call, measure, bound, signals, ref):
    got = call(signals[name])
    want = ref[f"{name}/{key}"]
    assert got.dtype == np.float32
    e = measure(got, want)
    MEASURED[(name, key)] = e
    print(f"{name}/{key}: {e:.2e}")
    assert e <= bound, f"{name}/{key}: error {e:.3e} > {bound:.1e}"


@pytest.mark.parametrize("name", ["music", "chirp"])
def test_melspectrogram_and_stft(name, signals, ref):
    y = signals[name]
    e = rel(F.melspectrogram(y=y, sr=SR), ref[f"{name}/mel"])
    print(f"{name}/mel: {e:.2e}")
    assert e <= 1e-5
    for key, D in [("stft_head", leitmotif.stft(y)),
                   ("stft_1024_head", leitmotif.stft(y, n_fft=1024, hop_length=256))]:
        want = ref[f"{name}/{key}"]
        got = D[:, 40:44]
        assert D.dtype == np.complex64
        assert D.shape[0] == want.shape[0]
        e = rel(np.abs(got - want) + np.abs(want), np.abs(want), floor=1e-6)
        print(f"{name}/{key}: {e:.2e}")
        assert e <= 1e-5


def test_float64_input_gives_float64_output(signals, ref):
    y = signals["music"].astype(np.float64)
    for key, got, measure, bound in [
        ("centroid", F.spectral_centroid(y=y, sr=SR), rel, 1e-5),
        ("mfcc", F.mfcc(y=y, sr=SR), absdiff, 1e-3),
        ("onset", leitmotif.onset.onset_strength(y=y, sr=SR), rel, 1e-5),
    ]:
        assert got.dtype == np.float64, key
        e = measure(got, ref[f"f64/{key}"])
        print(f"f64/{key}: {e:.2e}")
        assert e <= bound
    assert leitmotif.stft(y).dtype == np.complex128


def test_multichannel_input(signals, ref):
    y = signals["music"]
    c = signals["chirp"]
    c = c[: len(y)] if len(c) >= len(y) else np.pad(c, (0, len(y) - len(c)))
    st = np.stack([y, c])
    for key, got, measure, bound in [
        ("centroid", F.spectral_centroid(y=st, sr=SR), rel, 1e-5),
        ("mfcc", F.mfcc(y=st, sr=SR), absdiff, 1e-3),
        ("chroma", F.chroma_stft(y=st, sr=SR), rel, 1e-5),
        ("zcr", F.zero_crossing_rate(st), rel, 1e-6),
    ]:
        want = ref[f"stereo/{key}"]
        assert got.shape == want.shape, key
        e = measure(got, want)
        print(f"stereo/{key}: {e:.2e}")
        assert e <= bound
    assert leitmotif.stft(st).shape == (2, 1025, 1 + len(y) // 512)


def test_beat_track_matches_librosa(signals, ref):
    y = signals["music"]
    tempo, beats = leitmotif.beat.beat_track(y=y, sr=SR)
    assert tempo.shape == (1,)
    print("tempo", tempo, ref["music/beat_tempo"], "beats", beats, ref["music/beat_frames"])
    assert abs(tempo[0] - ref["music/beat_tempo"][0]) <= 1e-6 * ref["music/beat_tempo"][0]
    np.testing.assert_array_equal(beats, ref["music/beat_frames"])
    env = leitmotif.onset.onset_strength(y=y, sr=SR)
    _, b2 = leitmotif.beat.beat_track(onset_envelope=env, sr=SR, bpm=100.0, tightness=50)
    np.testing.assert_array_equal(b2, ref["music/beats_bpm100_t50"])
    _, bt = leitmotif.beat.beat_track(y=y, sr=SR, units="time")
    np.testing.assert_allclose(bt, ref["music/beat_frames"] * 512 / SR)


def test_beat_track_on_silence_is_empty(signals):
    tempo, beats = leitmotif.beat.beat_track(y=signals["silence"], sr=SR)
    assert tempo[0] == 0.0 and beats.size == 0
