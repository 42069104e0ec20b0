"""The Spark recipe (leitmotif.spark, quoted in the README) on local[2]."""
import os
import sys

import pytest

import leitmotif
from conftest import SIGNALS


def test_spark_extract_writes_the_cli_columns(sample_paths, tmp_path, cli):
    pyspark = pytest.importorskip("pyspark")
    import pyarrow.parquet as pq
    import subprocess
    from pyspark.sql import SparkSession

    from leitmotif.spark import extract

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    paths = sample_paths + [os.path.join(SIGNALS, f) for f in ("music.wav", "tones.wav",
                                                               "music44.wav")]
    paths.append(str(tmp_path / "missing.flac"))
    spark = (SparkSession.builder.master("local[2]").appName("leitmotif-test")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .getOrCreate())
    try:
        manifest = spark.createDataFrame([(p,) for p in paths], "path string").repartition(2)
        out = str(tmp_path / "features.parquet")
        extract(manifest, out)
        back = spark.read.parquet(out)
        assert back.count() == len(paths)
        assert back.rdd.getNumPartitions() >= 1
    finally:
        spark.stop()
    got = pq.read_table(out).to_pandas().set_index("path").loc[paths]
    cli_out = tmp_path / "cli.parquet"
    subprocess.run([cli, "extract", "-q", "-o", str(cli_out)] + paths[:-1], check=True)
    want = pq.read_table(cli_out).to_pandas().set_index("path").loc[paths[:-1]]
    skip = {"file_size", "file_mtime"}
    assert [c for c in got.columns if c not in skip] == [c for c in want.columns if c not in skip]
    for col in ("duration_s", "spectral.centroid.mean", "tempo.bpm", "loudness.integrated_lufs"):
        assert (got.loc[paths[:-1], col].astype(float).values
                == want[col].astype(float).values).all(), col
    assert got.loc[paths[-1], "error.kind"] == "io"
    assert leitmotif.__version__
