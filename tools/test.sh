#!/usr/bin/env bash
# The test command (README; .ci/run calls it): the Rust tests, then the Python package's.
#   bash tools/test.sh
# Needs cargo and python3 with venv; python/run_tests.sh installs the Python side's
# dependencies into target/pyenv (and a JRE for the Spark test when java is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release
bash python/run_tests.sh
