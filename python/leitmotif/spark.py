"""Extracting a collection with PySpark: the tested recipe of the README.

A manifest of audio paths (a DataFrame with a ``path`` column, readable from every
executor: a shared file system or a mounted bucket) goes through ``mapInPandas``: each
partition runs :func:`leitmotif.analyze_many` on its paths and returns
:func:`leitmotif.to_pandas` rows. The result is written as a Parquet dataset whose columns
are those of ``leitmotif extract -o out.parquet`` (the feature vector as a list column).

Example
-------
>>> from pyspark.sql import SparkSession
>>> from leitmotif.spark import extract
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()
>>> manifest = spark.createDataFrame([(p,) for p in paths], "path string")
>>> extract(manifest, "features.parquet", jobs_per_task=1)
>>> spark.read.parquet("features.parquet").select("path", "`tempo.bpm`").show()

Columns with dots in their names must be quoted with backticks in Spark SQL.
"""
from __future__ import annotations

__all__ = ["spark_schema", "extract_partitions", "extract"]


def spark_schema():
    """The Spark schema of the records: the Parquet output's columns and types.

    Returns
    -------
    pyspark.sql.types.StructType
        ``int`` → LongType, ``float`` → DoubleType, ``str`` → StringType, ``beats`` →
        ArrayType(DoubleType), ``vector`` → ArrayType(FloatType).
    """
    from pyspark.sql import types as T

    from . import columns

    kinds = {"int": T.LongType(), "float": T.DoubleType(), "str": T.StringType(),
             "float_list": T.ArrayType(T.DoubleType())}
    fields = [T.StructField(n, kinds[t], True) for n, t in columns()
              if not n.startswith("vector.values.")]
    fields.append(T.StructField("vector", T.ArrayType(T.FloatType()), True))
    return T.StructType(fields)


def extract_partitions(batches, *, jobs=1, sr=22050, max_duration=None, tempo_range=None,
                       tempo_prior=None):
    """The ``mapInPandas`` function: pandas DataFrames of paths in, record rows out.

    Parameters
    ----------
    batches : iterator of pandas.DataFrame
        Each with a ``path`` column.
    jobs : int
        Native worker threads per Spark task. Default 1 (Spark runs one task per core).
    sr, max_duration, tempo_range, tempo_prior
        As :func:`leitmotif.analyze_many`.

    Yields
    ------
    pandas.DataFrame
        One row per path, the columns of :func:`spark_schema`.
    """
    from . import analyze_many, to_pandas

    for pdf in batches:
        paths = [str(p) for p in pdf["path"]]
        records = analyze_many(paths, jobs=jobs, progress=False, sr=sr,
                               max_duration=max_duration, tempo_range=tempo_range,
                               tempo_prior=tempo_prior)
        out = to_pandas(records)
        out["vector"] = [None if v is None else list(map(float, v)) for v in out["vector"]]
        yield out


def extract(manifest, output, *, jobs_per_task=1, sr=22050, max_duration=None,
            tempo_range=None, tempo_prior=None, mode="overwrite"):
    """Extracts every path of `manifest` and writes a Parquet dataset to `output`.

    Parameters
    ----------
    manifest : pyspark.sql.DataFrame
        A ``path`` column of audio file paths.
    output : str
        Directory of the Parquet dataset.
    jobs_per_task : int
        Native worker threads per Spark task. Default 1.
    sr, max_duration, tempo_range, tempo_prior
        As :func:`leitmotif.analyze_many`.
    mode : str
        Spark write mode. Default ``'overwrite'``.

    Returns
    -------
    None
        Tracks that fail are rows with ``error.kind`` / ``error.message`` set.
    """
    def run(batches):
        return extract_partitions(batches, jobs=jobs_per_task, sr=sr,
                                  max_duration=max_duration, tempo_range=tempo_range,
                                  tempo_prior=tempo_prior)

    manifest.select("path").mapInPandas(run, schema=spark_schema()) \
        .write.mode(mode).parquet(output)
