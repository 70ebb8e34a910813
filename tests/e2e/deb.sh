#!/usr/bin/env bash
# `make deb`'s package (CPack DEB, built here from the existing build tree):
# binary, unit, man page, configuration example and environment file; the
# runtime libraries as dependencies by name; a postinst that creates the
# service user; unpacked into a temporary root (dpkg -x), its binary runs.
. "$(dirname "$0")/lib.sh"
BUILD=$(dirname "$WL")
if ! command -v cpack >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "skip - cpack or dpkg-deb missing"
  finish
fi
cpack -G DEB -B "$T/pkg" --config "$BUILD/CPackConfig.cmake" >"$T/cpack.out" 2>&1
check "cpack builds the package (exit 0)" test $? -eq 0
DEB=$(ls "$T"/pkg/wfmlink_*.deb 2>/dev/null | head -1)
check "one .deb named wfmlink_VERSION_ARCH.deb" test -n "$DEB"
[ -z "$DEB" ] && { cat "$T/cpack.out"; finish; }
dpkg-deb -c "$DEB" | awk '{print $6}' >"$T/files"
for f in ./usr/bin/wfmlink ./usr/lib/systemd/system/wfmlink.service \
  ./usr/share/man/man1/wfmlink.1.gz ./etc/wfmlink/wfmlink.conf ./etc/default/wfmlink; do
  check "the package installs $f" grep -qx -- "$f" "$T/files"
done
check "nothing under /usr/local or the build tree" bash -c "! grep -q -e /local/ -e /work/ -e _CPack '$T/files'"
dpkg-deb -f "$DEB" Depends >"$T/depends"
for lib in libcurl4 libjansson4 libexpat1 libmicrohttpd12 libsqlite3-0 libpq5 libsodium23 adduser; do
  check "depends on $lib" grep -q "\\b$lib\\b" "$T/depends"
done
mkdir -p "$T/ctl"
dpkg-deb -e "$DEB" "$T/ctl"
check "postinst creates the wfmlink system user" grep -q 'adduser --quiet --system --group' "$T/ctl/postinst"
check "the configuration files are conffiles" bash -c \
  "grep -qx /etc/wfmlink/wfmlink.conf '$T/ctl/conffiles' && grep -qx /etc/default/wfmlink '$T/ctl/conffiles'"
check "maintainer scripts are valid sh" bash -c "sh -n '$T/ctl/postinst' && sh -n '$T/ctl/prerm' && sh -n '$T/ctl/postrm'"
dpkg -x "$DEB" "$T/root"
expect_exit 0 "the packaged binary runs" "$T/root/usr/bin/wfmlink" --version
check "... and says its version" test "$OUT" = "wfmlink 0.1.0"
check "the packaged unit starts /usr/bin/wfmlink" grep -qx 'ExecStart=/usr/bin/wfmlink serve' \
  "$T/root/usr/lib/systemd/system/wfmlink.service"
expect_exit 0 "the packaged configuration example passes config check" \
  "$T/root/usr/bin/wfmlink" config check "$T/root/etc/wfmlink/wfmlink.conf"
finish
