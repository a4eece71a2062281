# Sourced by the bench scripts that play a USB stick with loop devices throttled by the cgroup
# io controller: cgroup v2 io.max in a child group of our own, else cgroup v1
# blkio.throttle.*_bps_device in the ROOT blkio group (under v1, buffered writeback runs in the
# root group, so a child group would not throttle page-cache writers such as bmaptool). Rules
# are set only for our own loop devices and removed, with the loops and $WORK, on exit.
# Needs: WORK (a scratch directory), WRITE_BPS, READ_BPS. Gives: throttle DEV, run CMD...,
# MODE (what was used), LOOPS (append attached loops for cleanup).
LOOPS=()
RULES=()  # "file majmin" to reset on exit
CG1=/sys/fs/cgroup/blkio
CG2=""
throttle_cleanup() {
  for r in "${RULES[@]}"; do
    set -- $r
    if [ "$1" = io.max ]; then echo "$2 rbps=max wbps=max" > "$CG2/io.max" 2>/dev/null || true
    else echo "$2 0" > "$1" 2>/dev/null || true; fi
  done
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  [ -n "$CG2" ] && rmdir "$CG2" 2>/dev/null || true
  rm -rf "$WORK"
}
trap throttle_cleanup EXIT INT TERM

# throttle_setup NAME: picks v2 io.max (a group NAME.PID) or v1 blkio.throttle; exits 2 if neither.
throttle_setup() {
  MODE=""
  if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw io /sys/fs/cgroup/cgroup.controllers; then
    CG2=/sys/fs/cgroup/$1.$$
    mkdir "$CG2"
    MODE="cgroup v2 io.max ($CG2)"
  elif [ -w "$CG1/blkio.throttle.write_bps_device" ]; then
    MODE="cgroup v1 blkio.throttle (root group, our loop devices only)"
  else
    echo "no writable cgroup io throttle here (neither v2 io.max nor v1 blkio.throttle)"; exit 2
  fi
}

throttle() {  # throttle DEV
  local mm; mm=$(lsblk -dno MAJ:MIN "$1" | tr -d ' ')
  if [ -n "$CG2" ]; then
    echo "$mm rbps=$READ_BPS wbps=$WRITE_BPS" > "$CG2/io.max"; RULES+=("io.max $mm")
  else
    echo "$mm $WRITE_BPS" > "$CG1/blkio.throttle.write_bps_device"
    RULES+=("$CG1/blkio.throttle.write_bps_device $mm")
    echo "$mm $READ_BPS" > "$CG1/blkio.throttle.read_bps_device"
    RULES+=("$CG1/blkio.throttle.read_bps_device $mm")
  fi
}

# run CMD...: in the v2 group when there is one (v1 rules apply to everyone already).
run() {
  if [ -n "$CG2" ]; then sh -c 'echo $$ > "$0/cgroup.procs"; shift; exec "$@"' "$CG2" _ "$@"
  else "$@"; fi
}
