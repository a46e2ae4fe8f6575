#!/usr/bin/env bash
# fieldsync-mobile's command line: --help without a display, Qt's own
# options taken, and bad input refused with exit 2 before a window opens.
# Usage: args_test.sh FIELDSYNC_MOBILE_BINARY
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
expect() {  # expect CODE TEXT ARGS...: the exit code, and TEXT in what it printed
  local want=$1 text=$2; shift 2
  timeout 20 "$bin" "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" -eq "$want" ] && grep -qF -- "$text" "$tmp/out"; then echo "ok: $* -> $got"
  else echo "FAILED: $* -> exit $got (wanted $want, '$text')"; cat "$tmp/out"; failures=$((failures + 1)); fi
}
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$bin" --help >"$tmp/help" 2>&1
if [ $? -eq 0 ] && grep -q "Usage: fieldsync-mobile \[--db FILE\]" "$tmp/help"; then echo "ok: --help without a display"
else echo "FAILED: --help without a display"; cat "$tmp/help"; failures=$((failures + 1)); fi
expect 2 "--db needs the database FILE" --db
expect 2 "--db needs the database FILE" --db ""
expect 2 "unknown argument '--bogus'" --bogus
echo "not a database" > "$tmp/garbage.db"
expect 2 "is not a fieldsync node database" --db "$tmp/garbage.db"
expect 2 "unable to open database file" --db "$tmp"
expect 2 "unknown argument '--bogus'" -platform offscreen --bogus  # Qt's option taken, ours checked
exit $((failures > 0))
