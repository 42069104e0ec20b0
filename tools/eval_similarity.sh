#!/usr/bin/env bash
# Similarity evaluation: duplicate detection (re-encoded copies → original is top-1) and
# musical sense (rendered songs sharing tempo and key rank above songs sharing neither).
#
# Usage: tools/eval_similarity.sh [REAL_MUSIC_DIR] [RENDERED_DIR...]
#   REAL_MUSIC_DIR  freely licensed music (default: the Ogg tracks of Debian's
#                   wesnoth-1.16-music package, unpacked with
#                   `apt-get download wesnoth-1.16-music && dpkg -x wesnoth-*.deb x`)
#   RENDERED_DIR    rendered songs with truth.json (default /work/eval-data/tune and heldout)
# Environment: EVAL_DIR (work folder, default /tmp/leitmotif-sim-eval), JOBS (default 2),
#   COPY_FROM (folders whose tracks get re-encoded copies; default: the real music and the
#   first rendered folder), COPY_LIMIT (tracks copied per folder, default 20), COPY_SKIP
#   (skip that many tracks of each folder first, default 0),
#   LEITMOTIF (binary; default target/release/leitmotif).
# Needs ffmpeg (libmp3lame, libvorbis, native aac). Prints the figures; keeps its files.
set -euo pipefail
REAL=${1:-/work/realmusic/x/usr/share/games/wesnoth/1.16/data/core/music}
shift || true
RENDERED=("$@")
[ ${#RENDERED[@]} -eq 0 ] && RENDERED=(/work/eval-data/tune /work/eval-data/heldout)
EVAL_DIR=${EVAL_DIR:-/tmp/leitmotif-sim-eval}
JOBS=${JOBS:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
LM=${LEITMOTIF:-$TARGET/release/leitmotif}
EX=$TARGET/release/examples/eval_similarity
if [ ! -x "$LM" ] || [ ! -x "$EX" ]; then
  (cd "$ROOT" && cargo build --release --bin leitmotif --example eval_similarity)
fi
mkdir -p "$EVAL_DIR/copies"
read -r -a COPY_FROM <<< "${COPY_FROM:-$REAL ${RENDERED[0]}}"

# 1. Library features and index.
if [ ! -s "$EVAL_DIR/library.jsonl" ]; then
  "$LM" extract "$REAL" "${RENDERED[@]}" -j "$JOBS" -o "$EVAL_DIR/library.jsonl" || true
fi
"$LM" index build "$EVAL_DIR/library.jsonl" -o "$EVAL_DIR/library.idx"

# 2. Re-encoded copies: 64 kbps mono MP3; Vorbis q0 trimmed by 3 s at both ends; AAC 96 kbps.
: > "$EVAL_DIR/copies.tsv"
i=0
for dir in "${COPY_FROM[@]}"; do
  for f in $(find -L "$dir" -maxdepth 1 -type f \( -name '*.ogg' -o -name '*.mp3' -o -name '*.flac' -o -name '*.wav' -o -name '*.m4a' \) | sort | tail -n +$(( ${COPY_SKIP:-0} + 1 )) | head -n "${COPY_LIMIT:-20}"); do
    i=$((i+1)); base=$(printf '%04d' "$i")
    dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
    t=$(awk -v d="$dur" 'BEGIN { x = d - 6; if (x < 1) x = d; printf "%.3f", x }')
    mp3="$EVAL_DIR/copies/${base}_mp3_64k_mono.mp3"
    ogg="$EVAL_DIR/copies/${base}_vorbis_q0_trim3s.ogg"
    aac="$EVAL_DIR/copies/${base}_aac_96k.m4a"
    [ -s "$mp3" ] || ffmpeg -nostdin -v error -y -i "$f" -vn -ac 1 -c:a libmp3lame -b:a 64k "$mp3"
    [ -s "$ogg" ] || ffmpeg -nostdin -v error -y -ss 3 -t "$t" -i "$f" -vn -c:a libvorbis -q:a 0 "$ogg"
    [ -s "$aac" ] || ffmpeg -nostdin -v error -y -i "$f" -vn -c:a aac -b:a 96k "$aac"
    printf '%s\t%s\n%s\t%s\n%s\t%s\n' "$mp3" "$f" "$ogg" "$f" "$aac" "$f" >> "$EVAL_DIR/copies.tsv"
  done
done

# 3. Duplicate detection: analyse every copy; the original must be the nearest neighbour.
#    (The CLI answers the same queries: `leitmotif similar --index library.idx COPY...`.)
if [ ! -s "$EVAL_DIR/copies.jsonl" ]; then
  "$LM" extract "$EVAL_DIR/copies" -j "$JOBS" -o "$EVAL_DIR/copies.jsonl" || true
fi
"$EX" duplicates "$EVAL_DIR/copies.tsv" "$EVAL_DIR/copies.jsonl" "$EVAL_DIR/library.idx"
# The same through the CLI, first 12 copies, for the record:
head -12 "$EVAL_DIR/copies.tsv" | cut -f1 | xargs "$LM" similar --index "$EVAL_DIR/library.idx" -k 3 --json \
  > "$EVAL_DIR/similar_copies_cli.jsonl" || true

# 4. Musical sense on the rendered songs (ranks within the whole library).
"$EX" music "$EVAL_DIR/library.idx" "${RENDERED[@]/%//truth.json}"
"$EX" music "$EVAL_DIR/library.idx" "${RENDERED[@]/%//truth.json}" --oracle
