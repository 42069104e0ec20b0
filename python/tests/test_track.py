"""analyze / analyze_many / to_pandas / Index against the CLI and each other."""
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

import leitmotif
from conftest import SIGNALS, read_pcm16_wav

FEATURE_KEYS = ("duration_s", "analysis", "spectral", "mfcc", "tempo", "vector")


def features_only(rec):
    return {k: v for k, v in rec.items() if k not in ("path", "source", "warnings")}


def test_version():
    out = subprocess.run([sys.executable, "-c", "import leitmotif; print(leitmotif.__version__)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == leitmotif.__version__
    assert leitmotif.__version__.count(".") == 2


def test_record_equals_the_cli_record(sample_paths, cli):
    path = sample_paths[1]
    line = subprocess.run([cli, "extract", "-q", path], capture_output=True, text=True,
                          check=True).stdout.strip().splitlines()[0]
    want = json.loads(line)
    # the CLI adds the file's stamp (for --resume)
    assert want.pop("file_size") == os.path.getsize(path)
    want.pop("file_mtime")
    got = leitmotif.analyze(path)
    assert got == want
    for k in FEATURE_KEYS:
        assert k in got


def test_four_source_kinds_give_identical_records():
    path = os.path.join(SIGNALS, "music44.wav")  # 16-bit stereo 44.1 kHz
    by_path = leitmotif.analyze(path)
    with open(path, "rb") as f:
        data = f.read()
    by_bytes = leitmotif.analyze(data)
    with open(path, "rb") as f:
        by_file = leitmotif.analyze(f)
    y, rate = read_pcm16_wav(path)
    by_array = leitmotif.analyze((y, rate))
    assert by_path["path"] == path and by_bytes["path"] == "<bytes>"
    assert by_file["path"] == path and by_array["path"] == "<array>"
    assert features_only(by_bytes) == features_only(by_path)
    assert features_only(by_file) == features_only(by_path)
    assert features_only(by_array) == features_only(by_path)
    # a BytesIO has no name
    assert leitmotif.analyze(io.BytesIO(data))["path"] == "<stream>"


def test_analyze_options():
    path = os.path.join(SIGNALS, "music44.wav")
    short = leitmotif.analyze(path, max_duration=2.0)
    assert short["duration_s"] == pytest.approx(5.0, abs=0.05)
    assert short["analysed_s"] == pytest.approx(2.0, abs=0.05)
    low = leitmotif.analyze(path, sr=16000)
    assert low["analysis"]["sample_rate"] == 16000


def test_analyze_many_keeps_input_order_and_matches_analyze(sample_paths):
    paths = sample_paths + [os.path.join(SIGNALS, f"{n}.wav") for n in ("music", "chirp")]
    paths = paths[::-1] + ["/no/such/file.wav"]
    recs = list(leitmotif.analyze_many(paths, jobs=2, progress=False))
    assert [r["path"] for r in recs] == paths
    assert recs[-1]["error"]["kind"] == "io"
    for p, r in zip(paths[:-1], recs[:-1]):
        assert r == leitmotif.analyze(p)


def test_analyze_many_runs_in_parallel_without_the_gil(sample_paths):
    paths = sample_paths * 2
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    batch = leitmotif._leitmotif.Batch(paths, 2, 22050, None)
    t = threading.Thread(target=ticker)
    t.start()
    start = time.perf_counter()
    lines = list(batch)
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    assert len(lines) == len(paths)
    # both workers took tracks
    assert batch.workers_used == 2
    # the Python thread kept running while the batch computed (GIL released): it ticked
    # through most of the batch (a held GIL would starve it for whole tracks)
    assert elapsed > 0.05
    assert len(ticks) >= 0.3 * elapsed / 0.0015, (len(ticks), elapsed)


def test_progress_goes_to_stderr(sample_paths, capsys):
    list(leitmotif.analyze_many(sample_paths[:2], jobs=1, progress=True))
    err = capsys.readouterr().err
    assert "2/2" in err


def test_to_pandas_has_the_cli_parquet_columns(sample_paths, cli, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "cli.parquet"
    subprocess.run([cli, "extract", "-q", "-o", str(out)] + sample_paths[:3], check=True)
    table = pq.read_table(out).to_pandas()
    df = leitmotif.to_pandas(leitmotif.analyze_many(sample_paths[:3], progress=False))
    cli_cols = [c for c in table.columns if c not in ("file_size", "file_mtime")]
    ours = [c for c in df.columns if c not in ("file_size", "file_mtime")]
    assert ours == cli_cols
    table = table.set_index("path").loc[list(df["path"])]
    for col in ("duration_s", "spectral.centroid.mean", "mfcc.mean.3", "tempo.bpm"):
        np.testing.assert_allclose(df[col].to_numpy(float), table[col].to_numpy(float),
                                   rtol=1e-12)
    np.testing.assert_array_equal(np.stack(df["vector"]), np.stack(table["vector"]))
    assert df["source.sample_rate"].dtype.name == "Int64"


def test_index_similar_and_vectors(sample_paths, cli, tmp_path):
    feats = tmp_path / "f.jsonl"
    idx = tmp_path / "lib.idx"
    subprocess.run([cli, "extract", "-q", "-o", str(feats)] + sample_paths, check=True)
    subprocess.run([cli, "index", "build", str(feats), "-o", str(idx)], check=True,
                   capture_output=True)
    index = leitmotif.Index.open(idx)
    assert len(index) == len(sample_paths)
    v = index.vectors()
    assert v.dtype == np.float32 and v.shape[0] == len(sample_paths)
    recs = {r["path"]: r for r in leitmotif.analyze_many(sample_paths, progress=False)}
    for i, p in enumerate(index.paths):
        np.testing.assert_array_equal(v[i], np.asarray(recs[p]["vector"]["values"], np.float32))
    paths, dist = index.similar(sample_paths[0], k=3)
    assert len(paths) == 3 and sample_paths[0] not in paths
    assert np.all(np.diff(dist) >= 0)
    want = subprocess.run([cli, "similar", "--index", str(idx), "-k", "3", "--json", sample_paths[0]],
                          capture_output=True, text=True, check=True).stdout
    cli_paths = [n["path"] for n in json.loads(want.splitlines()[0])["neighbors"]]
    assert list(paths) == cli_paths


def test_index_settings_and_audio_queries_use_them(sample_paths, cli, tmp_path):
    # an index of records analysed at 16 kHz over 150-250 BPM: Index.settings are theirs, and
    # an audio query that is not in the index is analysed with them too, as `leitmotif similar`
    # does
    feats = tmp_path / "f16.jsonl"
    idx = tmp_path / "lib16.idx"
    subprocess.run([cli, "extract", "-q", "--sample-rate", "16000", "--tempo-range", "150-250",
                    "-o", str(feats)] + sample_paths[1:], check=True)
    subprocess.run([cli, "index", "build", str(feats), "-o", str(idx)], check=True,
                   capture_output=True)
    index = leitmotif.Index.open(idx)
    with open(feats) as f:
        record = json.loads(f.readline())
    assert index.settings == record["settings"]
    assert index.settings["sample_rate"] == 16000
    paths, dist = index.similar(sample_paths[0], k=2)
    want = json.loads(subprocess.run(
        [cli, "similar", "--index", str(idx), "-k", "2", "--json", sample_paths[0]],
        capture_output=True, text=True, check=True).stdout.splitlines()[0])
    assert list(paths) == [n["path"] for n in want["neighbors"]]
    np.testing.assert_allclose(dist, [n["distance"] for n in want["neighbors"]], rtol=1e-5)
    assert index.settings["tempo_min_bpm"] == 150.0
    # a copy of an indexed track (another path) finds its original at distance 0
    copy = tmp_path / ("copy" + os.path.splitext(sample_paths[1])[1])
    shutil.copyfile(sample_paths[1], copy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the settings match: no warning
        paths, dist = index.similar(str(copy), k=1)
    assert list(paths) == [sample_paths[1]]
    assert dist[0] < 1e-4
    # records of an older analysis version: the query is analysed with this version's
    # methods, and a UserWarning says so
    old = tmp_path / "old.jsonl"
    with open(feats) as f, open(old, "w") as g:
        for line in f:
            r = json.loads(line)
            r["settings"]["analysis_version"] = 4
            g.write(json.dumps(r) + "\n")
    old_idx = tmp_path / "old.idx"
    subprocess.run([cli, "index", "build", str(old), "-o", str(old_idx)], check=True,
                   capture_output=True)
    with pytest.warns(UserWarning, match="analysis_version=4"):
        leitmotif.Index.open(old_idx).similar(str(copy), k=1)


def test_tempo_range_and_prior_as_the_cli(cli):
    # the rock groove at 96 BPM of tests/fixtures/accuracy: its half tempo under a prior
    # centred at 60 BPM, its double inside 150-250 BPM; the records equal the CLI's
    from conftest import ROOT
    groove = os.path.join(ROOT, "tests", "fixtures", "accuracy", "groove_sparse_96.ogg")
    for kwargs, flags, want in [
        (dict(tempo_prior=60), ["--tempo-prior", "60"], 48.0),
        (dict(tempo_prior=(120, 0.8)), ["--tempo-prior", "120,0.8"], 96.0),
        (dict(tempo_range=(150, 250)), ["--tempo-range", "150-250"], 192.0),
    ]:
        rec = leitmotif.analyze(groove, **kwargs)
        assert abs(rec["tempo"]["bpm"] - want) <= 0.02 * want, (kwargs, rec["tempo"])
        line = subprocess.run([cli, "extract", "-q", *flags, groove], capture_output=True,
                              text=True, check=True).stdout
        want_rec = json.loads(line)
        assert rec["settings"] == want_rec["settings"]
        assert rec["vector"] == want_rec["vector"]
        (many,) = list(leitmotif.analyze_many([groove], jobs=1, progress=False, **kwargs))
        assert many["vector"] == want_rec["vector"]
    assert leitmotif.analyze(groove, tempo_prior=60)["settings"]["tempo_prior_octaves"] == 0.6
    for bad in [dict(tempo_prior=0), dict(tempo_prior=(120, 5)), dict(tempo_range=(200, 100)),
                dict(tempo_range=(0, 100))]:
        with pytest.raises(ValueError):
            leitmotif.analyze(groove, **bad)
    for bad in [dict(tempo_prior="fast"), dict(tempo_range=120)]:
        with pytest.raises(TypeError):
            leitmotif.analyze(groove, **bad)
