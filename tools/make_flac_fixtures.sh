#!/usr/bin/env bash
# FLAC fixtures for tests/formats.rs (every FLAC coding variant decodes completely), made once
# with ffmpeg's and the reference `flac` encoder (committed). Together they cover every
# subframe type (constant: the silent opening; verbatim: white noise at level 0; fixed orders
# 0-4; LPC orders up to 32), every channel assignment, wasted bits, 8/16/24 bits, mono, 5.1.
set -euo pipefail
cd "$(dirname "$0")/../tests/fixtures/formats"
song=../../../audio-samples/song2_120bpm_c_major.flac
tmp=$(mktemp -d)
# 0.5 s of silence, 1 s of music, 0.5 s of white noise
ffmpeg -nostdin -y -v error -f lavfi -i "anullsrc=r=44100:cl=stereo:d=0.5" -ss 5 -t 1 -i "$song" \
  -f lavfi -i "anoisesrc=r=44100:a=0.5:d=0.5,aformat=channel_layouts=stereo" \
  -filter_complex "[0:a]aformat=sample_fmts=flt[s];[1:a]aresample=44100,aformat=sample_fmts=flt:channel_layouts=stereo[m];[2:a]aformat=sample_fmts=flt[n];[s][m][n]concat=n=3:v=0:a=1" \
  -c:a pcm_s16le "$tmp/mix.wav"
ffmpeg -nostdin -y -v error -i "$tmp/mix.wav" -c:a flac -compression_level 0 flac_lvl0_fixed.flac
ffmpeg -nostdin -y -v error -i "$tmp/mix.wav" -c:a flac -compression_level 12 -ch_mode left_side flac_lvl12_left_side.flac
ffmpeg -nostdin -y -v error -i "$tmp/mix.wav" -c:a flac -ch_mode right_side flac_right_side.flac
ffmpeg -nostdin -y -v error -i "$tmp/mix.wav" -c:a flac -lpc_type cholesky -min_prediction_order 24 \
  -max_prediction_order 32 -ch_mode indep flac_lpc32_indep.flac
ffmpeg -nostdin -y -v error -i "$tmp/mix.wav" -ac 1 -ar 22050 -c:a flac -sample_fmt s32 -bits_per_raw_sample 24 \
  flac_s24_mono_22k.flac
# wasted bits: 16-bit content in a 24-bit stream, through the reference encoder
ffmpeg -nostdin -y -v error -i "$tmp/mix.wav" -c:a pcm_s24le "$tmp/w24.wav"
flac -s -f -8 "$tmp/w24.wav" -o flac_s24_wasted_bits.flac
ffmpeg -nostdin -y -v error -i "$tmp/mix.wav" -ar 16000 -c:a pcm_u8 "$tmp/u8.wav"
flac -s -f -5 "$tmp/u8.wav" -o flac_s8_stereo_16k.flac
# fixed predictors only (orders 0-4), and LPC up to order 32 (both need --lax); full-scale noise
ffmpeg -nostdin -y -v error -i "$tmp/mix.wav" -f lavfi -i "anoisesrc=r=44100:a=1:d=0.3:c=white,aformat=channel_layouts=stereo" \
  -filter_complex "[0:a]aformat=sample_fmts=flt[a];[1:a]aformat=sample_fmts=flt[b];[a][b]concat=n=2:v=0:a=1" -c:a pcm_s16le "$tmp/loud.wav"
flac -s -f --lax -l 0 -b 1152 "$tmp/loud.wav" -o flac_fixed_only.flac
flac -s -f --lax -l 32 -e -b 4608 "$tmp/mix.wav" -o flac_lpc32.flac
# FLAC in Ogg and in MP4 (other demuxers, same frames)
ffmpeg -nostdin -y -v error -i flac_lvl0_fixed.flac -c:a copy flac_in_ogg.oga
ffmpeg -nostdin -y -v error -i flac_lvl0_fixed.flac -c:a copy -strict -2 flac_in_mp4.mp4
rm -r "$tmp"
ls -la flac_*
