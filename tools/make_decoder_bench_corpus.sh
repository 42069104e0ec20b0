#!/usr/bin/env bash
# Builds the corpus for the own-decoder-versus-symphonia benchmark (docs/decoders.md): for each
# lossless format the own decoders handle (FLAC, ALAC in M4A, 16-bit PCM in WAV and AIFF), a
# folder of 3 full-length stereo 44.1 kHz tracks (≈ 3.5 min each). Each track is the five
# audio-samples songs concatenated twice, in a rotated order, re-encoded with ffmpeg.
# usage: tools/make_decoder_bench_corpus.sh OUT_DIR
set -euo pipefail
out=${1:?out dir}
here=$(cd "$(dirname "$0")/.." && pwd)
mapfile -t songs < <(ls "$here"/audio-samples/song*.* | sort)
formats=(
  "flac|flac|-c:a flac"
  "alac|m4a|-c:a alac"
  "wav16|wav|-c:a pcm_s16le"
  "aiff16|aiff|-c:a pcm_s16be"
)
for f in "${formats[@]}"; do
  IFS='|' read -r dir ext codec <<<"$f"
  mkdir -p "$out/$dir"
  for t in 0 1 2; do
    inputs=(); filter=""; k=0
    for rep in 0 1; do
      for s in 0 1 2 3 4; do
        inputs+=(-i "${songs[$(( (s + t + rep) % 5 ))]}")
        filter+="[$k:a]aresample=44100,aformat=sample_fmts=s16:channel_layouts=stereo[a$k];"
        k=$((k + 1))
      done
    done
    for ((j = 0; j < k; j++)); do filter+="[a$j]"; done
    filter+="concat=n=$k:v=0:a=1[out]"
    # shellcheck disable=SC2086
    ffmpeg -v error -nostdin "${inputs[@]}" -filter_complex "$filter" -map "[out]" $codec \
      -y "$out/$dir/track$t.$ext"
  done
done
ls -la "$out"/*
