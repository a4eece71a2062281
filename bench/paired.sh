# Sourced by the compare scripts' paired mode (issue 16): cold-cache timings and the
# distribution of per-round ratios against a floor measured in the same round.
#   cold                  sync and drop the page cache (root)
#   run_ms CMD...         wall time of CMD in ms (stdout/stderr discarded; fails loudly)
#   ratio A B             A / B with two decimals
#   spread "r1 r2 ..."    "min / median / max" of the numbers given
#   count_below X "r..."  how many of the numbers are < X
cold() {
  sync
  echo 3 > /proc/sys/vm/drop_caches
}
run_ms() {
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null 2>"${PAIRED_ERR:-/dev/null}" || { echo "FAILED: $*" >&2; return 1; }
  e=$(date +%s%N)
  echo $(((e - s) / 1000000))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
max_of() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }
spread() {
  printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {printf "%.2f / %.2f / %.2f", a[1], a[int((NR+1)/2)], a[NR]}'
}
count_below() { printf '%s\n' $2 | awk -v x="$1" '$1 < x {n++} END {print n+0}'; }
