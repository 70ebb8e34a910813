#!/usr/bin/env bash
# wfmlink(1): generated from the command table, renders without warnings,
# has a whatis line, lists every command of `wfmlink --help` with every flag
# of its own --help, and `cmake --install` puts it under share/man/man1.
. "$(dirname "$0")/lib.sh"
"$WL" --man >"$T/wfmlink.1"
check "wfmlink --man writes a page" test -s "$T/wfmlink.1"
if command -v man >/dev/null && command -v lexgrog >/dev/null; then
  MANWIDTH=80 man --warnings -E UTF-8 -l "$T/wfmlink.1" >"$T/man.txt" 2>"$T/man.err"
  check "man renders it (exit 0)" test $? -eq 0
  check "man --warnings prints no warning" test ! -s "$T/man.err"
  [ -s "$T/man.err" ] && head -20 "$T/man.err"
  check "lexgrog finds the whatis line" bash -c \
    "lexgrog '$T/wfmlink.1' | grep -q 'wfmlink - connect an 8x8 contact center'"
else
  bad "man and lexgrog are missing (scripts/install-deps.sh test installs man-db)"
fi
# the rendered page, hyphens as typed (groff may render U+2010 for '-')
sed 's/\xe2\x80\x90/-/g' "$T/man.txt" >"$T/man.plain"
cmds=$("$WL" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 && $1 != "commands:" {print $1}')
check "--help lists commands" test "$(echo "$cmds" | wc -l)" -ge 15
for c in $cmds; do
  check "the page has a section for '$c'" grep -qx "\.SS $c" "$T/wfmlink.1"
  flags=$("$WL" "$c" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
  miss=""
  for f in $flags; do grep -q -- "$f" "$T/man.plain" || miss="$miss $f"; done
  check "every flag of '$c --help' is on the page${miss:+ (missing:$miss)}" test -z "$miss"
done
for f in --db --config --log-format; do
  check "global option $f documented" grep -q -- "$f" "$T/man.plain"
done
BUILD=$(dirname "$WL")
if [ -f "$BUILD/cmake_install.cmake" ]; then
  cmake --install "$BUILD" --prefix "$T/root" >/dev/null 2>"$T/inst.err"
  check "cmake --install puts the page in share/man/man1" test -s "$T/root/share/man/man1/wfmlink.1.gz"
  check "the installed page is the generated one" bash -c \
    "gzip -dc '$T/root/share/man/man1/wfmlink.1.gz' | cmp -s - '$T/wfmlink.1'"
  check "... and so are the unit and the configuration example, inside the prefix" test \
    -s "$T/root/lib/systemd/system/wfmlink.service" -a -s "$T/root/etc/wfmlink/wfmlink.conf" \
    -a -s "$T/root/etc/default/wfmlink"
  check "the installed unit names the installed binary" grep -qx \
    "ExecStart=$T/root/bin/wfmlink serve" "$T/root/lib/systemd/system/wfmlink.service"
fi
finish
