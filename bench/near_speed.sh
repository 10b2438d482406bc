#!/usr/bin/env bash
# Throughput of near-duplicate detection through the CLI: exact dedup only
# (--no-near), the defaults (exact + near lines), and --doc-near on top, on
# the same input, interleaved, best of N rounds (wall and CPU seconds).
#
# usage: bench/near_speed.sh [WINNOW] [INPUT] [ROUNDS]
#   WINNOW  default build/winnow
#   INPUT   default /tmp/winnow-near-bench.txt, made by bench/near_input.py
#           (200 MB from ../shared/corpora) when missing
#   ROUNDS  default 7
set -euo pipefail
cd "$(dirname "$0")/.."
winnow=${1:-build/winnow}
input=${2:-/tmp/winnow-near-bench.txt}
rounds=${3:-7}
[ -f "$input" ] || python3 bench/near_input.py "$input" 200
bytes=$(stat -c %s "$input")
configs=("--no-near" "" "--doc-near")
declare -A wall cpu
for ((r = 0; r < rounds; r++)); do
	for c in "${configs[@]}"; do
		t=$( { /usr/bin/time -f "%e %U %S" "$winnow" $c "$input" >/dev/null; } 2>&1 | tail -1)
		read -r w u s <<<"$t"
		k=${c:-default}
		cp=$(echo "$u + $s" | bc)
		if [ -z "${wall[$k]:-}" ] || (($(echo "$w < ${wall[$k]}" | bc))); then wall[$k]=$w; fi
		if [ -z "${cpu[$k]:-}" ] || (($(echo "$cp < ${cpu[$k]}" | bc))); then cpu[$k]=$cp; fi
	done
done
echo "input: $input, $bytes bytes; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| options | best wall s | MB/s | best CPU s | MB/s (CPU) | CPU vs --no-near |"
echo "|---|---|---|---|---|---|"
for c in "${configs[@]}"; do
	k=${c:-default}
	echo "| ${c:-(defaults)} | ${wall[$k]} | $(echo "scale=1; $bytes / 1000000 / ${wall[$k]}" | bc) |" \
		"${cpu[$k]} | $(echo "scale=1; $bytes / 1000000 / ${cpu[$k]}" | bc) |" \
		"$(echo "scale=0; 100 * ${cpu[--no-near]} / ${cpu[$k]}" | bc) % |"
done
