#!/usr/bin/env bash
# Builds the Python package from this checkout and runs its tests (python/tests).
#
#   bash python/run_tests.sh [pytest args...]
#
# Needs cargo and python3 (>= 3.9) with venv; Java (for the Spark test) is installed with
# apt-get when missing. The virtual environment lives in target/pyenv (reused between runs;
# pip's cache keeps downloads), and the extension is built into the repository's target/,
# so the release build of the root crate's dependencies is shared with `cargo build
# --release`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$CARGO_TARGET_DIR/pyenv"
PY="${PYTHON:-python3}"

if ! command -v java >/dev/null 2>&1; then
    echo "python/run_tests.sh: no java on PATH; installing a JRE for the Spark test" >&2
    if command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            default-jre-headless >/dev/null) || true
    fi
    command -v java >/dev/null 2>&1 || {
        echo "python/run_tests.sh: ERROR: java could not be installed; the Spark test needs it" >&2
        exit 1
    }
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
export PATH="$VENV/bin:$PATH"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    'maturin>=1.7,<2' numpy pytest pandas pyarrow pyspark
# the CLI binary the tests compare against (same target dir, same release build)
cargo build --release --quiet --bin leitmotif
# build and install the extension without build isolation (maturin from the venv)
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation \
    --force-reinstall --no-deps ./python
cd "$ROOT/python/tests"
LEITMOTIF_BIN="$CARGO_TARGET_DIR/release/leitmotif" "$VENV/bin/python" -m pytest -q "$@"
