#!/usr/bin/env bash
# Record EBU R128 / ITU-R BS.1770 reference figures from ffmpeg's `ebur128`
# filter into tests/fixtures/loudness.json.
#
#   integrated_lufs  "I"    (integrated loudness, LUFS)
#   range_lu         "LRA"  (loudness range, LU)
#   true_peak_dbtp   "Peak" in the True peak section (dBTP; ffmpeg's summary
#                    value is already the maximum over all channels)
#
# The summary prints one decimal; the figures recorded here come from the
# filter's per-frame metadata (metadata=1, printed by ametadata), which has
# three: the last frame's lavfi.r128.I and lavfi.r128.LRA, and
# 20*log10(lavfi.r128.true_peak) for the true peak.
#
# Requires ffmpeg; run tools/make_audio_samples.py and
# tools/make_format_fixtures.sh first. Usage: tools/make_loudness_fixtures.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT=tests/fixtures/loudness.json

FILES=(
  audio-samples/song1_92bpm_a_minor.mp3
  audio-samples/song2_120bpm_c_major.flac
  audio-samples/song5_75bpm_g_major_nodrums.wav
  tests/fixtures/formats/wav_pcm_s16_stereo_44k.wav
)

entries=()
for f in "${FILES[@]}"; do
  [[ -f $f ]] || { echo "missing $f (generate it first)" >&2; exit 1; }
  meta=$(mktemp)
  cmd="ffmpeg -nostats -i $f -af ebur128=peak=true:metadata=1,ametadata=mode=print:file=META -f null -"
  ffmpeg -hide_banner -nostdin -nostats -loglevel error -i "$f" \
    -af "ebur128=peak=true:metadata=1,ametadata=mode=print:file=$meta" -f null -
  # last value of each key (the final measurement)
  I=$(awk -F= '/^lavfi.r128.I=/{v=$2} END{print v}' "$meta")
  LRA=$(awk -F= '/^lavfi.r128.LRA=/{v=$2} END{print v}' "$meta")
  TPLIN=$(awk -F= '/^lavfi.r128.true_peak=/{v=$2} END{print v}' "$meta")
  rm -f "$meta"
  if [[ -z $I || -z $LRA || -z $TPLIN ]]; then
    echo "could not read ebur128 metadata for $f" >&2; exit 1
  fi
  TP=$(awk -v p="$TPLIN" 'BEGIN{ if (p > 0) printf "%.3f", 20*log(p)/log(10); else print "null" }')
  printf '%-50s I=%s LUFS  LRA=%s LU  TP=%s dBTP\n' "$f" "$I" "$LRA" "$TP"
  entries+=("$(printf '  {"file": "%s", "integrated_lufs": %s, "range_lu": %s, "true_peak_dbtp": %s, "command": "%s"}' \
    "$f" "$I" "$LRA" "$TP" "$cmd")")
done

{
  echo "["
  n=${#entries[@]}
  for ((i = 0; i < n; i++)); do
    if ((i < n - 1)); then echo "${entries[$i]},"; else echo "${entries[$i]}"; fi
  done
  echo "]"
} >"$OUT"
echo "wrote $OUT ($(ffmpeg -version | head -1 | cut -d' ' -f1-3))"
