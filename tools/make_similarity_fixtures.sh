#!/usr/bin/env bash
# Real transcodes of a bundled song for tests/similarity.rs: the song must find its
# original (the FLAC) first when queried as a lossy file in another container.
#
#   tests/fixtures/similarity/song2_transcode_96k.mp3   LAME MP3, 96 kbit/s CBR, 44.1 kHz
#
# Requires ffmpeg built with libmp3lame. Written with bitexact flags and no metadata, so a
# rerun with the same ffmpeg build gives the same bytes.
# Usage: tools/make_similarity_fixtures.sh   (from anywhere; paths are repo-relative)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v ffmpeg >/dev/null || { echo "ffmpeg not found" >&2; exit 1; }
OUT=tests/fixtures/similarity
mkdir -p "$OUT"
ffmpeg -hide_banner -nostdin -loglevel error -y -i audio-samples/song2_120bpm_c_major.flac \
  -fflags +bitexact -flags:a +bitexact -map_metadata -1 \
  -c:a libmp3lame -b:a 96k "$OUT/song2_transcode_96k.mp3"
ls -l "$OUT/song2_transcode_96k.mp3"
echo "made with $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
