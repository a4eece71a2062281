#!/usr/bin/env bash
# Packaging checks (issue 15), one per ctest test: pkg_test.sh CHECK BUILD_DIR SOURCE_DIR
#   install     cmake --install into a temporary prefix, then run the installed binary
#   deb         cpack -G DEB; dpkg-deb -I (control, shlibdeps) and -c (file list); run it unpacked
#   man         every generated page renders with `man --warnings` silent, and shows every option
#   completion  the bash completion loads and completes subcommands, options, choices, files
# Exit 77 (ctest SKIP_RETURN_CODE) when a tool the check needs is missing.
set -euo pipefail
check=$1 build=$(realpath "$2") src=$(realpath "$3")
mf=$build/tools/mediaforge
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/mf-pkg-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || { echo "SKIP: $1 not installed" >&2; exit 77; }; }
commands() { "$mf" --help | awk '/^SUBCOMMANDS:/ {on=1; next} on && NF {print $1}'; }

case $check in
install)
  cmake --install "$build" --prefix "$tmp/usr" >/dev/null
  for f in bin/mediaforge share/man/man1/mediaforge.1 share/man/man1/mediaforge-write.1 \
      share/bash-completion/completions/mediaforge share/zsh/vendor-completions/_mediaforge \
      share/doc/mediaforge/README.md share/doc/mediaforge/copyright; do
    [ -e "$tmp/usr/$f" ] || fail "cmake --install did not install $f"
  done
  out=$("$tmp/usr/bin/mediaforge" --version)
  echo "$out"
  grep -q "^mediaforge [0-9.]* (git " <<<"$out" || fail "--version has no version/commit line"
  for lib in OpenSSL libblkid libfdisk liburing zlib xz zstd; do
    grep -q "$lib" <<<"$out" || fail "--version does not name $lib"
  done
  "$tmp/usr/bin/mediaforge" list --all -o PATH,SIZE >/dev/null || fail "installed list failed"
  ;;
deb)
  need dpkg-deb
  need dpkg-shlibdeps
  (cd "$tmp" && cpack -G DEB -B "$tmp/out" --config "$build/CPackConfig.cmake" >/dev/null) ||
    fail "cpack -G DEB failed"
  deb=$(ls "$tmp"/out/mediaforge_*.deb)
  info=$(dpkg-deb -I "$deb")
  echo "$info"
  grep -q "^ Package: mediaforge$" <<<"$info" || fail "control: Package"
  grep -q "^ Architecture: amd64$\|^ Architecture: $(dpkg --print-architecture)$" <<<"$info" ||
    fail "control: Architecture"
  depends=$(sed -n 's/^ Depends: //p' <<<"$info")
  for lib in libc6 libssl3 libblkid1 libfdisk1 liburing2 libzstd1 liblzma5 zlib1g; do
    grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib (shlibdeps): $depends"
  done
  # Every dependency must be a package Debian 12 has; here: installed on this Debian 12 machine.
  for dep in $(tr ',' '\n' <<<"$depends" | awk '{print $1}'); do
    dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q "install ok installed" ||
      fail "dependency $dep is not a known installed package"
  done
  files=$(dpkg-deb -c "$deb")
  for f in ./usr/bin/mediaforge ./usr/share/man/man1/mediaforge.1 \
      ./usr/share/man/man1/mediaforge-write.1 ./usr/share/bash-completion/completions/mediaforge \
      ./usr/share/zsh/vendor-completions/_mediaforge ./usr/share/doc/mediaforge/README.md \
      ./usr/share/doc/mediaforge/copyright; do
    grep -q " $f\$" <<<"$files" || fail "package lacks $f"
  done
  dpkg-deb -x "$deb" "$tmp/root"
  "$tmp/root/usr/bin/mediaforge" --version | sed -n 1p || fail "packaged binary does not run"
  ;;
man)
  need man
  pages=$build/tools/man
  [ -f "$pages/mediaforge.1" ] || fail "no generated mediaforge.1"
  for cmd in $(commands); do
    page=$pages/mediaforge-$cmd.1
    [ -f "$page" ] || fail "no man page for $cmd"
    # Every option the command's --help lists appears in its page.
    text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
    for opt in $("$mf" "$cmd" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
      grep -q -- "$opt" <<<"$text" || fail "$page lacks $opt"
    done
  done
  for page in "$pages"/*.1; do
    warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "$page: $warnings"
  done
  MANWIDTH=80 man -l "$pages/mediaforge-write.1" | grep -q "EXIT STATUS" || fail "no EXIT STATUS"
  MANWIDTH=80 man -l "$pages/mediaforge-write.1" | grep -q "JSON OUTPUT" || fail "no JSON OUTPUT"
  echo "$(ls "$pages" | wc -l) pages render without warnings"
  ;;
completion)
  [ -f /usr/share/bash-completion/bash_completion ] ||
    { echo "SKIP: bash-completion not installed" >&2; exit 77; }
  script=$build/tools/completion/mediaforge
  mkdir "$tmp/imgs" && touch "$tmp/imgs/disk.img"
  # complete WORDS...: what the completion offers for the last word.
  cat >"$tmp/run.sh" <<RUN
source /usr/share/bash-completion/bash_completion
source "$script"
complete_words() {
  COMP_WORDS=("\$@"); COMP_CWORD=\$((\$# - 1)); COMP_LINE="\$*"; COMP_POINT=\${#COMP_LINE}
  COMPREPLY=(); _mediaforge; printf '%s\n' "\${COMPREPLY[@]}"
}
RUN
  run() { PATH="$build/tools:$PATH" bash -c "source $tmp/run.sh; cd $tmp; complete_words $*"; }
  [ "$(run mediaforge wr)" = write ] || fail "subcommand: $(run mediaforge wr)"
  run mediaforge write --ver | grep -qx -- --verify || fail "option: $(run mediaforge write --ver)"
  run mediaforge verify --progress j | grep -qx json || fail "choice: $(run mediaforge verify --progress j)"
  run mediaforge write imgs/d | grep -qx imgs/disk.img || fail "image file: $(run mediaforge write imgs/d)"
  run mediaforge write imgs/disk.img imgs/ | grep -qx imgs/disk.img ||
    fail "target file: $(run mediaforge write imgs/disk.img imgs/)"
  # Devices first (other processes may attach or detach loop devices meanwhile: any /dev path).
  if [ -n "$("$mf" list --all --noheadings -o PATH 2>/dev/null)" ]; then
    first=$(run mediaforge write imgs/disk.img "''" | sed -n 1p)
    [[ $first == /dev/* ]] || fail "no device offered first: $first"
  fi
  echo "bash completion: subcommands, options, choices, files, devices"
  ;;
*) fail "unknown check $check" ;;
esac
