#!/usr/bin/env bash
# Generate small per-format decode fixtures into tests/fixtures/formats/
# plus tests/fixtures/formats/manifest.json.
#
# Requirements: ffmpeg + ffprobe (built with libmp3lame, libvorbis, libopus).
# Deterministic: the source signal is a closed-form expression evaluated by
# ffmpeg's `aevalsrc` (its random() is a fixed-seed LCG), and every output is
# written with -fflags +bitexact / -flags:a +bitexact so no encoder version
# strings, creation times or random stream serials/UIDs end up in the files.
# Re-running with the same ffmpeg build produces byte-identical files.
#
# Usage: tools/make_format_fixtures.sh   (from anywhere; paths are repo-relative)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/tests/fixtures/formats"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

command -v ffmpeg >/dev/null || { echo "ffmpeg not found" >&2; exit 1; }
command -v ffprobe >/dev/null || { echo "ffprobe not found" >&2; exit 1; }

mkdir -p "$OUT"
# Only remove files this script owns (audio fixtures + manifest).
find "$OUT" -maxdepth 1 -type f ! -name '.gitkeep' -delete

FF=(ffmpeg -hide_banner -nostdin -loglevel error -y)
BITEXACT=(-fflags +bitexact -flags:a +bitexact -map_metadata -1)

# ---------------------------------------------------------------------------
# Source signal
# A "music-like" tone: an A-major-ish chord (220 Hz fundamental with 2nd/3rd
# harmonics, plus 277.18 Hz and 329.63 Hz), with a percussive re-attack every
# 0.25 s (exponential decay envelope => onsets at 0, .25, .5, .75 s), a tiny
# bit of deterministic white noise, and 5 ms linear fade-in/out so the file
# edges do not click. Each channel gets a slightly different mix (detuned
# partials) so channels are distinguishable.
# ---------------------------------------------------------------------------
chan_expr() { # $1 = channel index (0-based), $2 = duration
  local k=$1 d=$2
  local det; det=$(awk -v k="$k" 'BEGIN{printf "%.4f", 1+0.0125*k}')
  printf "(0.25*sin(2*PI*220*%s*t)+0.12*sin(2*PI*440*%s*t)+0.06*sin(2*PI*660*%s*t)+0.18*sin(2*PI*277.18*%s*t)+0.14*sin(2*PI*329.63*%s*t))*(0.55+0.45*exp(-10*mod(t,0.25)))*min(1,min(t/0.005,(%s-t)/0.005))+0.0015*(random(%d)-0.5)" \
    "$det" "$det" "$det" "$det" "$det" "$d" "$k"
}

# make_src RATE CHANNELS DURATION -> prints path of float32 WAV master
make_src() {
  local rate=$1 ch=$2 dur=$3
  local f="$TMP/src_${rate}_${ch}_${dur}.wav"
  if [[ ! -f $f ]]; then
    local layout exprs="" i
    case $ch in 1) layout=mono ;; 2) layout=stereo ;; 6) layout=5.1 ;; *) echo "bad ch" >&2; exit 1 ;; esac
    for ((i = 0; i < ch; i++)); do
      [[ $i -gt 0 ]] && exprs+="|"
      exprs+="$(chan_expr "$i" "$dur")"
    done
    "${FF[@]}" -f lavfi -i "aevalsrc=exprs='${exprs}':s=${rate}:c=${layout}:d=${dur}" \
      -c:a pcm_f32le "${BITEXACT[@]}" "$f"
  fi
  echo "$f"
}

MANIFEST_ENTRIES=()

# mk FILE CONTAINER CODEC SRC_RATE CHANNELS DURATION NOTES -- [ffmpeg output args...]
# SRC_RATE is the rate of the generated source; the file's stream sample
# rate (as reported by ffprobe) is what goes in the manifest.
mk() {
  local file=$1 container=$2 codec=$3 srate=$4 ch=$5 dur=$6 notes=$7
  shift 7
  [[ $1 == -- ]] && shift
  local src; src=$(make_src "$srate" "$ch" "$dur")
  "${FF[@]}" -i "$src" "$@" "${BITEXACT[@]}" "$OUT/$file"

  # Verify with ffprobe and collect facts.
  local probe codec_name rate chans fdur
  probe=$(ffprobe -v error -select_streams a:0 \
    -show_entries stream=codec_name,sample_rate,channels:format=duration \
    -of default=noprint_wrappers=1 "$OUT/$file")
  codec_name=$(sed -n 's/^codec_name=//p' <<<"$probe")
  rate=$(sed -n 's/^sample_rate=//p' <<<"$probe")
  chans=$(sed -n 's/^channels=//p' <<<"$probe")
  fdur=$(sed -n 's/^duration=//p' <<<"$probe")
  if [[ -z $codec_name || -z $rate || -z $chans ]]; then
    echo "ffprobe failed on $file" >&2; exit 1
  fi
  if [[ $codec_name != "$codec" ]]; then
    echo "$file: expected codec $codec, ffprobe says $codec_name" >&2; exit 1
  fi
  if [[ $chans != "$ch" ]]; then
    echo "$file: expected $ch channels, ffprobe says $chans" >&2; exit 1
  fi
  # Full decode must succeed without errors.
  if ! ffmpeg -hide_banner -nostdin -v error -xerror -i "$OUT/$file" -f null - 2>"$TMP/err"; then
    cat "$TMP/err" >&2; echo "decode check failed: $file" >&2; exit 1
  fi
  [[ -z $fdur || $fdur == N/A ]] && fdur=null
  # Sample frames ffmpeg's own decoder returns (informational: shows whether
  # ffmpeg honours the container's priming/padding info for this file).
  local nframes
  nframes=$(ffmpeg -hide_banner -nostdin -v error -i "$OUT/$file" -ac 1 -f s16le - | wc -c)
  nframes=$((nframes / 2))
  local sz; sz=$(stat -c %s "$OUT/$file")
  printf '  %-34s %-9s %-14s %6s Hz %d ch %7d B  ffprobe=%s\n' "$file" "$container" "$codec_name" "$rate" "$chans" "$sz" "$fdur"
  notes=${notes//\\/\\\\}; notes=${notes//\"/\\\"}
  MANIFEST_ENTRIES+=("$(printf '  {"file": "%s", "container": "%s", "codec": "%s", "sample_rate": %d, "channels": %d, "duration_s": %s, "ffprobe_duration_s": %s, "ffmpeg_decoded_frames": %d, "notes": "%s"}' \
    "$file" "$container" "$codec_name" "$rate" "$chans" "$dur" "$fdur" "$nframes" "$notes")")
}

AAC_NOTE="AAC-LC; the stream contains encoder delay/priming (1024 samples for ffmpeg's native aac encoder) plus end padding to a 1024-sample frame boundary"

echo "Writing fixtures to $OUT"

# ---- WAV (RIFF) PCM / companded / ADPCM -----------------------------------
mk wav_pcm_u8_mono_44k.wav          wav pcm_u8        44100 1 1.0 "unsigned 8-bit PCM" -- -c:a pcm_u8
mk wav_pcm_s16_stereo_44k.wav       wav pcm_s16le     44100 2 1.0 "signed 16-bit little-endian PCM" -- -c:a pcm_s16le
mk wav_pcm_s24_stereo_48k.wav       wav pcm_s24le     48000 2 1.0 "signed 24-bit PCM (WAVE_FORMAT_EXTENSIBLE)" -- -c:a pcm_s24le
mk wav_pcm_s32_mono_44k.wav         wav pcm_s32le     44100 1 1.0 "signed 32-bit PCM (WAVE_FORMAT_EXTENSIBLE)" -- -c:a pcm_s32le
mk wav_pcm_f32_stereo_44k.wav       wav pcm_f32le     44100 2 1.0 "IEEE float 32-bit PCM" -- -c:a pcm_f32le
mk wav_mulaw_mono_44k.wav           wav pcm_mulaw     44100 1 1.0 "G.711 mu-law, 8 bits/sample" -- -c:a pcm_mulaw
mk wav_alaw_mono_44k.wav            wav pcm_alaw      44100 1 1.0 "G.711 A-law, 8 bits/sample" -- -c:a pcm_alaw
mk wav_adpcm_ima_stereo_44k.wav     wav adpcm_ima_wav 44100 2 1.0 "IMA/DVI ADPCM (WAVE format 0x11); last block is padded, so decoders may return slightly more samples than the source" -- -c:a adpcm_ima_wav
mk wav_adpcm_ms_stereo_44k.wav      wav adpcm_ms      44100 2 1.0 "Microsoft ADPCM (WAVE format 0x02); last block is padded, so decoders may return slightly more samples than the source" -- -c:a adpcm_ms
mk wav_pcm_s16_mono_8k.wav          wav pcm_s16le     8000  1 1.0 "mono 8 kHz, low-rate coverage" -- -c:a pcm_s16le
mk wav_pcm_s16_5.1_48k.wav          wav pcm_s16le     48000 6 0.5 "6-channel 5.1 (FL FR FC LFE BL BR channel mask), WAVE_FORMAT_EXTENSIBLE; 0.5 s to keep size down" -- -c:a pcm_s16le

# ---- AIFF / CAF ------------------------------------------------------------
mk aiff_pcm_s16_stereo_44k.aiff     aiff pcm_s16be    44100 2 1.0 "AIFF, 16-bit big-endian PCM" -- -c:a pcm_s16be
mk caf_pcm_s16_stereo_44k.caf       caf  pcm_s16be    44100 2 1.0 "Core Audio Format, 16-bit big-endian linear PCM" -- -c:a pcm_s16be

# ---- FLAC -------------------------------------------------------------------
mk flac_s16_stereo_44k.flac         flac flac         44100 2 1.0 "FLAC 16-bit" -- -c:a flac -sample_fmt s16
mk flac_s24_stereo_96k.flac         flac flac         96000 2 0.5 "FLAC 24-bit 96 kHz" -- -c:a flac -sample_fmt s32 -bits_per_raw_sample 24
mk flac_s24_stereo_192k.flac        flac flac         192000 2 0.5 "FLAC 24-bit 192 kHz (high-rate coverage)" -- -c:a flac -sample_fmt s32 -bits_per_raw_sample 24
mk flac_s16_5.1_48k.flac            flac flac         48000 6 1.0 "FLAC 6-channel 5.1, 16-bit" -- -c:a flac -sample_fmt s16

# ---- MPEG audio ------------------------------------------------------------
mk mp3_cbr128_stereo_44k.mp3        mp3  mp3          44100 2 1.0 "libmp3lame CBR 128k; Xing/LAME info tag with encoder delay + padding (gapless) written by ffmpeg's mp3 muxer" -- -c:a libmp3lame -b:a 128k
mk mp3_vbr_mono_22k.mp3             mp3  mp3          22050 1 1.0 "libmp3lame VBR -q:a 4, MPEG-2 layer III mono 22.05 kHz; Xing/LAME info tag (gapless)" -- -c:a libmp3lame -q:a 4
mk mp2_192k_stereo_44k.mp2          mp2  mp2          44100 2 1.0 "MPEG-1 layer II 192k (ffmpeg native mp2 encoder); no gapless info, output padded to 1152-sample frames" -- -c:a mp2 -b:a 192k

# ---- AAC -------------------------------------------------------------------
mk aac_lc_stereo_44k.aac            adts aac          44100 2 1.0 "$AAC_NOTE; raw ADTS has no edit list, so the priming samples are NOT signalled and ffprobe's duration is a bitrate estimate" -- -c:a aac -b:a 128k
mk aac_lc_stereo_44k.m4a            mp4  aac          44100 2 1.0 "$AAC_NOTE; MP4 edit list (elst: media_time 1024, duration = source length) so a gapless decoder returns exactly the source length (ffmpeg 5.1 skips the priming but not the end padding)" -- -c:a aac -b:a 128k
mk alac_s16_stereo_44k.m4a          mp4  alac         44100 2 1.0 "Apple Lossless in MP4/M4A, 16-bit" -- -c:a alac -sample_fmt s16p

# ---- Vorbis ------------------------------------------------------------------
mk vorbis_q4_stereo_44k.ogg         ogg  vorbis       44100 2 1.0 "Ogg Vorbis q4 (libvorbis); final-page granule position = 44100, so a gapless decoder returns exactly the source length (ffmpeg 5.1 itself returns 128 fewer)" -- -c:a libvorbis -q:a 4
mk vorbis_q4_stereo_44k.mka         matroska vorbis   44100 2 1.0 "Vorbis in Matroska" -- -c:a libvorbis -q:a 4
mk vorbis_q4_stereo_48k.webm        webm vorbis       48000 2 1.0 "Vorbis in WebM" -- -c:a libvorbis -q:a 4
mk flac_s16_stereo_44k.mka          matroska flac     44100 2 1.0 "FLAC in Matroska" -- -c:a flac -sample_fmt s16

# ---- Opus --------------------------------------------------------------------
mk opus_mono_48k.opus               ogg  opus         48000 1 1.0 "Ogg Opus (libopus 64k); 312-sample pre-skip in OpusHead (RFC 7845); final granule 48312 = 48000 + pre-skip" -- -c:a libopus -b:a 64k
mk opus_stereo_48k.opus             ogg  opus         48000 2 1.0 "Ogg Opus (libopus 96k); pre-skip in OpusHead, end trimmed by granule position" -- -c:a libopus -b:a 96k
mk opus_stereo_from44k.opus         ogg  opus         44100 2 1.0 "source was 44.1 kHz; ffmpeg resampled to 48 kHz before libopus (Opus always decodes at 48 kHz); pre-skip in OpusHead" -- -c:a libopus -b:a 96k

# ---- notes on the manifest --------------------------------------------------
# duration_s           intended duration = exact length of the source signal
#                      (what a gapless decoder should return)
# ffprobe_duration_s   format duration reported by ffprobe (container estimate)
# ffmpeg_decoded_frames  sample frames (per channel) ffmpeg decodes

# ---- manifest ----------------------------------------------------------------
{
  echo "["
  n=${#MANIFEST_ENTRIES[@]}
  for ((i = 0; i < n; i++)); do
    if ((i < n - 1)); then echo "${MANIFEST_ENTRIES[$i]},"; else echo "${MANIFEST_ENTRIES[$i]}"; fi
  done
  echo "]"
} >"$OUT/manifest.json"

echo "Wrote ${#MANIFEST_ENTRIES[@]} files + manifest.json; total size: $(du -sh "$OUT" | cut -f1)"
