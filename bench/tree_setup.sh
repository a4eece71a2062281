# Sourced by the compare scripts that copy a source tree: the mediaforge binary, a work
# directory removed on exit (KEEP=1 keeps it), and the tree (SOURCE_TREE, else generated with
# gen_tree.py from FILES and TREE_MB). Call: mf_tree_setup NAME DEFAULT_FILES DEFAULT_TREE_MB.
mf_tree_setup() {
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  MF=${MEDIAFORGE:-$ROOT/build/tools/mediaforge}
  FILES=${FILES:-$2}
  TREE_MB=${TREE_MB:-$3}
  [ -x "$MF" ] || { echo "build mediaforge first ($MF)" >&2; exit 2; }
  WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/mf-$1.XXXXXX")  # BENCH_DIR: e.g. /dev/shm when the disk is full
  trap '[ "${KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"' EXIT INT TERM
  TREE=${SOURCE_TREE:-$WORK/tree}
  if [ -z "${SOURCE_TREE:-}" ]; then
    echo "generating $FILES files, ~$TREE_MB MiB" >&2
    python3 "$ROOT/bench/gen_tree.py" "$TREE" "$FILES" "$TREE_MB"
  fi
}
