#!/usr/bin/env bash
# Record EBU R128 / ITU-R BS.1770 reference figures from ffmpeg's `ebur128`
# filter into tests/fixtures/loudness.json.
#
#   integrated_lufs  "I"    (integrated loudness, LUFS)
#   range_lu         "LRA"  (loudness range, LU)
#   true_peak_dbtp   "Peak" in the True peak section (dBTP; ffmpeg's summary
#                    value is already the maximum over all channels)
#
# ffmpeg prints these with 1 decimal, so compare with a tolerance of at least
# +-0.1 (plus whatever the implementation differences need, e.g. true-peak
# oversampling filter and lossy-decoder differences).
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
  cmd="ffmpeg -nostats -i $f -filter_complex ebur128=peak=true -f null -"
  log=$(ffmpeg -hide_banner -nostdin -nostats -i "$f" -filter_complex ebur128=peak=true -f null - 2>&1)
  # Keep only the last "Summary:" block (the filter logs one per instance).
  summary=$(awk '/Summary:/{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' <<<"$log")
  I=$(awk '/^ *I:/{print $2; exit}' <<<"$summary")
  LRA=$(awk '/^ *LRA:/{print $2; exit}' <<<"$summary")
  TP=$(awk '/True peak:/{tp=1} tp && /^ *Peak:/{print $2; exit}' <<<"$summary")
  if [[ -z $I || -z $LRA || -z $TP ]]; then
    echo "could not parse ebur128 summary for $f" >&2; echo "$summary" >&2; exit 1
  fi
  [[ $TP == -inf ]] && TP=null
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
