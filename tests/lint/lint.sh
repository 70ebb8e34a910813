#!/usr/bin/env bash
# The source lint (in the spirit of curl's checksrc): rules the compiler
# does not check but the design does (docs/ARCHITECTURE.md). Run by CTest
# as `lint`; tests/lint/lint_selftest.sh shows that it fails on each rule.
#
# Usage: tests/lint/lint.sh SRC_DIR   (exit 0: clean, 1: violations listed)
#
# Rules (the tag in brackets names the rule in every complaint):
#   [banned]      sprintf, vsprintf, strcpy, strcat, atoi, gets anywhere:
#                 use snprintf / wl_strlcpy / strtol with checks
#   [html-printf] raw printf-style output in src/web/ (outside html.c):
#                 HTML goes through wl_html(), which escapes every string
#   [sql]         SQL text outside src/store/: only the store speaks SQL
#   [wfm-store]   #include "store/..." under src/wfm/: wfm depends on util only
#   [store-call]  store calls under src/cli/ and src/web/ (wl_store_*(), the
#                 backend ops table): front-ends call the use-cases in core/
set -u
src=${1:?usage: lint.sh SRC_DIR}
[ -d "$src" ] || { echo "lint: $src is not a directory" >&2; exit 2; }
exec perl -e '
use strict; use warnings;
my ($root) = @ARGV;
my $bad = 0;
my @files = split /\n/, `find "$root" -type f \\( -name "*.c" -o -name "*.h" -o -name "*.def" \\) | LC_ALL=C sort`;

# Comments and string literals blanked (newlines kept, so lines still match).
sub code_only {
  my ($t) = @_;
  $t =~ s{(/\*.*?\*/)|(//[^\n]*)|("(?:\\.|[^"\\\n])*")|(\x27(?:\\.|[^\x27\\\n])*\x27)}{
    my $m = $&; my $q = defined $3 ? "\"\"" : defined $4 ? "\x27\x27" : "";
    (my $nl = $m) =~ s/[^\n]//g; $q . $nl }gse;
  return $t;
}
# Only the string literals (comments blanked), for the SQL rule.
sub strings_only {
  my ($t) = @_;
  $t =~ s{(/\*.*?\*/)|(//[^\n]*)}{ (my $nl = $&) =~ s/[^\n]//g; $nl }gse;
  my $out = "";
  for my $line (split /\n/, $t, -1) {
    my @s = $line =~ /"((?:\\.|[^"\\])*)"/g;
    $out .= join(" ", @s) . "\n";
  }
  return $out;
}
sub complain {
  my ($file, $text, $re, $tag, $msg) = @_;
  my $n = 0;
  for my $line (split /\n/, $text, -1) {
    $n++;
    next unless $line =~ $re;
    (my $rel = $file) =~ s{^\Q$root\E/?}{};
    print "src/$rel:$n: $msg [$tag]\n";
    $bad = 1;
  }
}
for my $f (@files) {
  open(my $fh, "<", $f) or die "lint: $f: $!\n";
  local $/; my $raw = <$fh>; close $fh;
  (my $rel = $f) =~ s{^\Q$root\E/?}{};
  my $code = code_only($raw);
  complain($f, $code, qr/\b(?:v?sprintf|strcpy|strcat|atoi|gets)\s*\(/, "banned",
           "banned function (use snprintf, wl_strlcpy, strtol with checks)");
  if ($rel =~ m{^web/} && $rel !~ m{^web/html\.c$}) {
    complain($f, $code, qr/\b(?:wl_buf_printf|v?printf|v?fprintf|v?dprintf)\s*\(/, "html-printf",
             "raw printf under web/ (the page is written with wl_html, which escapes)");
  }
  if ($rel !~ m{^store/}) {
    complain($f, strings_only($raw),
             qr/\b(?:SELECT\s+\S.*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX)|ALTER\s+TABLE|DROP\s+TABLE|BEGIN\s+TRANSACTION|PRAGMA\s+\w)/,
             "sql", "SQL outside src/store/ (add a store function)");
  }
  if ($rel =~ m{^wfm/}) {
    complain($f, $raw, qr/^\s*#\s*include\s*"store\//, "wfm-store",
             "wfm/ includes store/ (row types live in wfm/records.h)");
  }
  if ($rel =~ m{^(?:cli|web)/}) {
    complain($f, $code, qr/\bwl_store_\w+\s*\(|\bwl_store_ops\b|->\s*ops\s*->/,
             "store-call", "store call in a front-end (call a use-case in core/)");
    complain($f, $raw, qr/^\s*#\s*include\s*"store\/backend\.h"/, "store-call",
             "a front-end includes the backend interface");
  }
}
exit $bad;
' "$src"
