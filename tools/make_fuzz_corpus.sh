#!/usr/bin/env bash
# Seeds for the fuzz targets (fuzz/corpus/TARGET/) from the test fixtures: whole files where
# the container needs its end (MP4 with the index last, small Ogg files), the first 12 KB of
# long files whose header is in front (WAV, AIFF, CAF, FLAC, MP3, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
f=tests/fixtures/formats
c=fuzz/corpus
rm -rf "$c" && mkdir -p "$c"/{alac,opus,decode,pipeline,differential}
for x in alac_s16_stereo_44k.m4a alac_s16_mono_22k.m4a; do
  cp "$f/$x" "$c/alac/"; cp "$f/$x" "$c/differential/"
done
cp "$f"/opus_*.opus "$c/opus/"
for x in mp3_vbr_mono_22k.mp3 opus_mono_48k.opus vorbis_q4_stereo_44k.ogg vorbis_q4_stereo_48k.webm \
         aac_lc_stereo_44k.aac aac_lc_stereo_44k.m4a alac_s16_stereo_44k.m4a; do
  cp "$f/$x" "$c/decode/"
done
for x in wav_pcm_s16_mono_8k.wav wav_pcm_f32_stereo_44k.wav wav_adpcm_ima_stereo_44k.wav \
         wav_adpcm_ms_stereo_44k.wav wav_mulaw_mono_44k.wav aiff_pcm_s16_stereo_44k.aiff \
         caf_pcm_s16_stereo_44k.caf flac_s16_stereo_44k.flac flac_s24_mono_22k.flac \
         flac_s16_stereo_44k.mka mp2_192k_stereo_44k.mp2 mp3_cbr128_stereo_44k.mp3; do
  head -c 12288 "$f/$x" > "$c/decode/$x"
done
cp tests/fixtures/hostile/vorbis_lookup1_assert.ogg tests/fixtures/hostile/caf_huge_chunk.caf "$c/decode/"
for x in mp3_vbr_mono_22k.mp3 opus_mono_48k.opus alac_s16_stereo_44k.m4a; do cp "$f/$x" "$c/pipeline/"; done
for x in wav_pcm_f32_stereo_44k.wav flac_s16_stereo_44k.flac caf_pcm_s16_stereo_44k.caf; do
  head -c 12288 "$f/$x" > "$c/pipeline/$x"
done
du -sh "$c"/*
