#!/usr/bin/env bash
# ALAC fixtures for tests/own_decoders.rs, made once with ffmpeg's ALAC encoder (committed).
set -euo pipefail
cd "$(dirname "$0")/../tests/fixtures/formats"
song=../../../audio-samples/song2_120bpm_c_major.flac
ffmpeg -nostdin -y -v error -f lavfi -i "sine=f=440:d=3:r=48000,aformat=s32" -f lavfi -i "sine=f=660:d=3:r=48000" \
  -filter_complex "[0][1]amerge=inputs=2" -c:a alac -sample_fmt s32p -bits_per_raw_sample 24 alac_s24_stereo_48k.m4a
ffmpeg -nostdin -y -v error -ss 2 -t 4 -i "$song" -ac 1 -ar 22050 -c:a alac -sample_fmt s16p alac_s16_mono_22k.m4a
ffmpeg -nostdin -y -v error -ss 5 -t 6 -i "$song" -c:a alac -sample_fmt s16p alac_s16_stereo_music.m4a
