#!/usr/bin/env bash
# Builds a folder of full-length tracks (≈ 3–4 min each) in the formats people upload, for the
# batch benchmarks (tools/bench_batch.sh). Each track concatenates six rendered songs of a
# synth_corpus.py folder (../shared/eval/synth_corpus.py OUT 100 2), re-encoded with ffmpeg.
# usage: tools/make_bench_corpus.sh SONG_DIR OUT_DIR
set -euo pipefail
src=${1:?song dir}; out=${2:?out dir}
mkdir -p "$out"
mapfile -t songs < <(ls "$src"/*.{wav,flac,mp3,ogg,m4a} 2>/dev/null | sort)
formats=(
  "mp3|-c:a libmp3lame -b:a 192k -ar 44100"
  "m4a|-c:a aac -b:a 160k -ar 44100"
  "flac|-c:a flac -ar 44100"
  "wav|-c:a pcm_s16le -ar 44100"
  "ogg|-c:a libvorbis -q:a 5 -ar 44100"
  "alac.m4a|-c:a alac -ar 44100"
  "aiff|-c:a pcm_s16be -ar 44100"
)
i=0
for rep in 0 1; do
  for f in "${formats[@]}"; do
    ext=${f%%|*}; codec=${f#*|}
    inputs=(); filter=""
    for k in 0 1 2 3 4 5; do
      inputs+=(-i "${songs[$(( (i * 6 + k) % ${#songs[@]} ))]}")
      filter+="[$k:a]aresample=44100,aformat=channel_layouts=stereo[a$k];"
    done
    filter+="[a0][a1][a2][a3][a4][a5]concat=n=6:v=0:a=1[out]"
    # shellcheck disable=SC2086
    ffmpeg -v error -nostdin "${inputs[@]}" -filter_complex "$filter" -map "[out]" $codec -y "$out/track$(printf %02d $i).$ext"
    i=$((i + 1))
  done
done
ls -la "$out"
