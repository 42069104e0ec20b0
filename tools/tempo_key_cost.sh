#!/usr/bin/env bash
# Share of a full extraction spent on tempo and key (issue 13: "tempo and key together stay
# under 15 % of a full extraction"), by instruction counts (valgrind --tool=callgrind), which
# are repeatable on a loaded machine, unlike wall time.
#   tempo = leitmotif::features::rhythm::Rhythm::analyze[_hinted] (inclusive: tempo, beats, onset rate;
#           the onset envelope itself is the onset_strength feature and is computed anyway)
#   key   = leitmotif::features::tonal::hpcp::Hpcp::process_frame (inclusive: the key HPCP's
#           own STFT and peak picking) + the key correlation (key::estimate*, if not inlined)
# usage: tools/tempo_key_cost.sh DIR     (from the repository root; needs valgrind)
set -euo pipefail
DIR=${1:?usage: tools/tempo_key_cost.sh DIR}
cargo build --release --bin leitmotif -q
out=$(mktemp -d)
valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
  target/release/leitmotif extract "$DIR" -o "$out/x.jsonl" -q -j 1 2> "$out/vg.log"
callgrind_annotate --inclusive=yes "$out/cg.out" > "$out/annot.txt" 2>/dev/null
total=$(grep -m1 -E '^[0-9,]+ \(100.0%\) +PROGRAM TOTALS|PROGRAM TOTALS' "$out/annot.txt" | awk '{gsub(",","",$1); print $1}')
# the largest inclusive count of the functions matching $1 (0 when none is listed)
cost() { awk -v re="$1" '$0 ~ re {gsub(",","",$1); if ($1+0 > m) m = $1+0} END {print m+0}' "$out/annot.txt"; }
tempo=$(cost 'rhythm::Rhythm::analyze(_hinted)? \\[')
hpcp=$(cost 'hpcp::Hpcp::process_frame \\[')
keyc=$(cost 'tonal::key::estimate[a-z_]* \\[')
awk -v t="$total" -v a="$tempo" -v h="$hpcp" -v k="${keyc:-0}" 'BEGIN {
  printf "total %.0f instructions\ntempo (Rhythm::analyze) %.0f = %.2f %%\nkey HPCP (Hpcp::process_frame) %.0f = %.2f %%\nkey correlation %.0f = %.3f %%\ntempo + key = %.2f %% of the extraction\n",
    t, a, 100*a/t, h, 100*h/t, k, 100*k/t, 100*(a+h+k)/t }'
rm -rf "$out"
