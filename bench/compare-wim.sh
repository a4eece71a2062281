#!/usr/bin/env bash
# The --split-wim phase side by side with wimlib-imagex, in one run, on the same WIM:
#   non-solid WIM: `wimlib-imagex split W.wim parts.swm SIZE_MIB`
#                  vs the split phase of `mediaforge usb TREE stick.img --split-wim=SIZE`
#   solid WIM:     `wimlib-imagex export W.esd all X.wim --compress=C` + `wimlib-imagex split`
#                  vs the same phase (export C + split) of mediaforge
# mediaforge's figure is the phase's own time from --json (split_wims[].seconds), so the FAT
# stream that follows is not counted. Both write into the same staging file system.
#
# Usage: bench/compare-wim.sh   Env: DATA=DIR (files to capture; default /usr/bin copied),
#        PART=SIZE in MiB (default 64: several parts from a few hundred MiB),
#        COMPRESS=XPRESS|LZX (export, default XPRESS as mediaforge), RUNS (5: paired runs, the
#        order alternating between the tools, median of each), MEDIAFORGE=path, KEEP=1
# The load average is printed before and after: on a shared machine the ratio of paired,
# alternating runs is what counts, not the absolute times.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MF=${MEDIAFORGE:-$ROOT/build/tools/mediaforge}
PART=${PART:-64}
COMPRESS=${COMPRESS:-XPRESS}
RUNS=${RUNS:-5}
for t in wimlib-imagex python3; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 2; }; done
[ -x "$MF" ] || { echo "build mediaforge first ($MF)" >&2; exit 2; }
WORK=$(mktemp -d /var/tmp/mf-compare-wim.XXXXXX)
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
DATA=${DATA:-}
if [ -z "$DATA" ]; then DATA=$WORK/data; mkdir -p "$DATA"; cp -a /usr/bin "$DATA/"; fi
mkdir -p "$WORK/tree/sources" "$WORK/staging"
now() { date +%s.%N; }
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

for kind in non-solid solid; do
  rm -f "$WORK"/tree/sources/*
  if [ $kind = solid ]; then
    W=$WORK/tree/sources/install.esd
    wimlib-imagex capture "$DATA" "$W" bench --solid --no-acls >/dev/null
  else
    W=$WORK/tree/sources/install.wim
    wimlib-imagex capture "$DATA" "$W" bench --compress=LZX --no-acls >/dev/null
  fi
  WBYTES=$(stat -c %s "$W")
  if [ "$WBYTES" -le $((PART << 20)) ]; then
    echo "$kind: the WIM ($WBYTES bytes) is not larger than PART=${PART} MiB: nothing to split" >&2
    exit 2
  fi
  peer=() mf=()
  run_peer() {
    sync; cat "$W" >/dev/null
    rm -rf "$WORK/staging"/*
    t0=$(now)
    if [ $kind = solid ]; then
      wimlib-imagex export "$W" all "$WORK/staging/x.wim" --compress="$COMPRESS" >/dev/null
      wimlib-imagex split "$WORK/staging/x.wim" "$WORK/staging/p.swm" "$PART" >/dev/null
    else
      wimlib-imagex split "$W" "$WORK/staging/p.swm" "$PART" >/dev/null
    fi
    t1=$(now)
    peer+=("$(python3 -c "print($t1 - $t0)")")
    PEER_BYTES=$(du -cb "$WORK"/staging/p*.swm | tail -1 | cut -f1)
    rm -rf "$WORK/staging"/*
  }
  run_mf() {
    rm -rf "$WORK/staging"/* "$WORK/stick.img"
    sync; cat "$W" >/dev/null
    J=$("$MF" usb "$WORK/tree" "$WORK/stick.img" --split-wim="${PART}M" --staging "$WORK/staging" \
      --no-progress --json 2>/dev/null)
    mf+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["split_wims"][0]["seconds"])' "$J")")
    MF_BYTES=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["split_wims"][0]["part_bytes"])' "$J")
    rm -rf "$WORK/stick.img"
  }
  # Paired runs, the order alternating, so drift in the machine's load hits both tools alike.
  for i in $(seq "$RUNS"); do
    if [ $((i % 2)) = 1 ]; then run_peer; run_mf; else run_mf; run_peer; fi
  done
  echo "$kind runs (s): peer ${peer[*]}; mediaforge ${mf[*]}"
  P=$(median "${peer[@]}"); M=$(median "${mf[@]}")
  python3 - "$kind" "$WBYTES" "$P" "$M" "$PEER_BYTES" "$MF_BYTES" "$COMPRESS" <<'PY'
import sys
kind, w, p, m, pb, mb, c = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
peer = "wimlib-imagex split" if kind == "non-solid" else f"wimlib-imagex export --compress={c} + split"
print(f"{kind} (median of paired runs): WIM {w/2**20:.1f} MiB; {peer}: {p:.2f} s ({pb/2**20:.1f} MiB of parts); "
      f"mediaforge split phase: {m:.2f} s ({mb/2**20:.1f} MiB); speed ratio mediaforge/peer {p/m:.2f}x")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
