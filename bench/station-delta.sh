#!/usr/bin/env bash
# `mediaforge station` on stale sticks (issue 13): three sticks throttled like USB 3 flash
# (write 25 MB/s, read 125 MB/s; bench/throttle.sh) handled one after another with --once:
#   blank  — all zeros: written in full (no delta: nothing of the image is there)
#   stale  — holds the previous release of the image (2% of its 4 KiB blocks differ, in 20
#            clusters): the station samples it, finds an earlier copy and writes only the
#            differing pages
#   full   — the same stale stick with --delta never: written in full, for comparison
# Prints per stick: station seconds (probe, look, write, verify), bytes written and skipped.
#
# Usage: bench/station-delta.sh [IMAGE_MIB=256]     (root; MEDIAFORGE=path/to/mediaforge)
set -euo pipefail
IMAGE_MIB=${1:-256}
WRITE_BPS=${WRITE_BPS:-25000000}
READ_BPS=${READ_BPS:-125000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MF=${MEDIAFORGE:-$ROOT/build/tools/mediaforge}
WORK=$(mktemp -d /var/tmp/mf-station-delta.XXXXXX)
. "$ROOT/bench/throttle.sh"
[ -x "$MF" ] || { echo "build mediaforge first ($MF)"; exit 2; }
throttle_setup mf-station-delta

SIZE=$((IMAGE_MIB << 20))
BLOCKS=$((SIZE / 4096))
CHANGED=$((BLOCKS * 2 / 100))
CLUSTERS=20
PER=$((CHANGED / CLUSTERS))
head -c "$SIZE" /dev/urandom > "$WORK/v2"
cp "$WORK/v2" "$WORK/v1"
for c in $(seq 0 $((CLUSTERS - 1))); do
  dd if=/dev/urandom of="$WORK/v1" bs=4096 seek=$((c * (BLOCKS / CLUSTERS) + 7)) count=$PER \
    conv=notrunc status=none
done
echo "# image ${IMAGE_MIB} MiB; $((PER * CLUSTERS)) of $BLOCKS 4 KiB blocks differ on the stale stick;"\
  "throttle: write $WRITE_BPS B/s, read $READ_BPS B/s via $MODE; load $(cut -d' ' -f1-3 /proc/loadavg)"

# station NAME CONTENT [FLAGS...]: one stick of IMAGE+64 MiB holding CONTENT, imaged with --once.
station() {
  local name=$1 content=$2; shift 2
  truncate -s $((SIZE + (64 << 20))) "$WORK/stick-$name"
  [ "$content" = blank ] || dd if="$content" of="$WORK/stick-$name" conv=notrunc status=none
  local l; l=$(losetup -f --show "$WORK/stick-$name"); LOOPS+=("$l"); throttle "$l"
  run "$MF" station "$WORK/v2" --once --json --yes --force --match "$WORK/stick-$name" \
    --db "$WORK/db.sqlite" "$@" > "$WORK/out-$name.jsonl" 2>/dev/null || true
  losetup -d "$l"
  grep '"ok":' "$WORK/out-$name.jsonl" | grep '"event":"state"' | python3 -c '
import json, sys
e = json.loads(sys.stdin.read())
print("%-6s %-8s %7.2f s  written %10d  skipped %10d  delta %s" % (sys.argv[1], e["state"],
      e["seconds"], e["bytes"], e["bytes_skipped"], e["delta"]))' "$name"
}
station blank blank
station stale "$WORK/v1"
station full "$WORK/v1" --delta never
