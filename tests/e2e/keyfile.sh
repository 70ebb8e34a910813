#!/usr/bin/env bash
# A missing key file is not silently replaced while tokens encrypted with it
# are stored (issue 16): storing a new token is refused with an explanation,
# no new key file appears, and the stored tokens stay as they were.
. "$(dirname "$0")/lib.sh"
export WFMLINK_DB="sqlite:$T/k.db" WFMLINK_LOG_LEVEL=warn
echo tok-one | "$WL" source add one --base-url http://127.0.0.1:9/api/ --tenant t >/dev/null 2>&1
check "the key file was created with the first token" test -f "$T/k.db.key"
mv "$T/k.db.key" "$T/k.db.key.bak"
expect_exit 1 "a second token is refused while the key file is missing" \
  bash -c "echo tok-two | '$WL' source add two --base-url http://127.0.0.1:9/api/ --tenant t"
check "the message names the missing key file" contains "$ERR" "key file $T/k.db.key is missing"
check "the message says why" contains "$ERR" "1 source has tokens encrypted with it"
check "no new key file was made" test ! -e "$T/k.db.key"
check "the refused source was not added half-way" bash -c "! '$WL' source list --format csv | grep -q '^two,'"
mv "$T/k.db.key.bak" "$T/k.db.key"
expect_exit 0 "with the key file back, tokens are stored again" \
  bash -c "echo tok-two | '$WL' source set one token-file=/dev/stdin"
check "no token in any output" bash -c "! grep -rq 'tok-' '$T/out' '$T/err'"
finish
