"""Bad input raises TypeError / ValueError (librosa-like messages), never crashes."""
import os

import numpy as np
import pytest

import leitmotif
from conftest import SIGNALS

F = leitmotif.feature
Y = np.sin(np.linspace(0, 100, 22050)).astype(np.float32)


@pytest.mark.parametrize("call", [
    lambda y: leitmotif.stft(y),
    lambda y: F.spectral_centroid(y=y),
    lambda y: F.mfcc(y=y),
    lambda y: F.zero_crossing_rate(y),
    lambda y: F.rms(y=y),
    lambda y: leitmotif.onset.onset_strength(y=y),
    lambda y: leitmotif.beat.beat_track(y=y),
])
def test_integer_audio_is_a_type_error(call):
    with pytest.raises(TypeError, match="Audio data must be floating-point"):
        call((Y * 1000).astype(np.int16))
    with pytest.raises(TypeError, match="must be of type numpy.ndarray"):
        call([0.0] * 4096)


@pytest.mark.parametrize("bad,msg", [
    (np.array(1.0, dtype=np.float32), "at least one-dimensional"),
    (np.array([0.0, np.nan] * 2048, np.float32), "not finite everywhere"),
    (np.array([0.0, np.inf] * 2048, np.float64), "not finite everywhere"),
])
def test_invalid_audio_is_a_value_error(bad, msg):
    with pytest.raises(ValueError, match=msg):
        F.spectral_centroid(y=bad)


def test_bad_parameters_are_value_errors():
    with pytest.raises(ValueError, match="n_fft must be even"):
        leitmotif.stft(Y, n_fft=2047)
    with pytest.raises(ValueError, match="hop_length"):
        leitmotif.stft(Y, hop_length=0)
    with pytest.raises(ValueError, match="roll_percent must lie in the range"):
        F.spectral_rolloff(y=Y, roll_percent=1.5)
    with pytest.raises(ValueError, match="quantile must lie in the range"):
        F.spectral_contrast(y=Y, quantile=0.0)
    with pytest.raises(ValueError, match="Frequency band exceeds Nyquist"):
        F.spectral_contrast(y=Y, fmin=2000.0)
    with pytest.raises(ValueError, match="lag must be a positive integer"):
        leitmotif.onset.onset_strength(y=Y, lag=0)
    with pytest.raises(ValueError, match="frame_length is expected"):
        F.rms(S=np.abs(leitmotif.stft(Y)), frame_length=1024)
    with pytest.raises(ValueError, match="Either"):
        F.spectral_centroid()
    with pytest.raises(ValueError, match="Input is too short"):
        F.zero_crossing_rate(np.zeros(100, np.float32), center=False)
    with pytest.raises(ValueError, match="sr="):
        F.spectral_centroid(y=Y, sr=-1)
    with pytest.raises(ValueError, match="top_db must be non-negative"):
        leitmotif.power_to_db(np.ones((2, 2)), top_db=-1)
    with pytest.raises(ValueError, match="Invalid unit type"):
        leitmotif.beat.beat_track(y=Y, units="bars")


def test_unimplemented_options_say_so():
    with pytest.raises(NotImplementedError, match="window"):
        leitmotif.stft(Y, window="hamming")
    with pytest.raises(NotImplementedError, match="htk"):
        F.melspectrogram(y=Y, htk=True)


def test_load_and_analyze_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        leitmotif.load(tmp_path / "nope.wav")
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00not audio at all" * 100)
    with pytest.raises(leitmotif.AudioError, match="junk.mp3"):
        leitmotif.load(junk)
    with pytest.raises(leitmotif.AudioError, match="junk.mp3"):
        leitmotif.analyze(junk)
    assert issubclass(leitmotif.AudioError, ValueError)
    with pytest.raises(leitmotif.AudioError):
        leitmotif.analyze(b"")
    with pytest.raises(TypeError, match="src must be"):
        leitmotif.analyze(12)
    with pytest.raises(TypeError, match="floating-point"):
        leitmotif.analyze((np.zeros(100, np.int16), 22050))
    with pytest.raises(ValueError, match="sr="):
        leitmotif.analyze((Y, 0))
    with pytest.raises(ValueError, match="jobs"):
        leitmotif.analyze_many([], jobs=0)
    with pytest.raises(ValueError, match="not a leitmotif index|index"):
        leitmotif.Index.open(os.path.join(SIGNALS, "music.wav"))


def test_a_decoder_panic_is_an_audio_error_and_not_printed(capfd):
    # tests/fixtures/hostile/vorbis_lookup1_assert.ogg trips an assert inside symphonia while
    # probing (docs/robustness.md): an AudioError naming the file, and no panic message on
    # stderr (the module installs leitmotif::quiet_caught_decoder_panics)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "fixtures", "hostile", "vorbis_lookup1_assert.ogg")
    with pytest.raises(leitmotif.AudioError, match="vorbis_lookup1_assert.ogg: invalid audio stream"):
        leitmotif.analyze(path)
    assert "panicked" not in capfd.readouterr().err
