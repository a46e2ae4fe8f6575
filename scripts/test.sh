#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the whole test suite with ctest:
# the quick tests first, then the ones labelled "slow".
# Usage: scripts/test.sh [--quick]   (--quick skips the slow tests)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
case "${1:-}" in
  ""|--quick) ;;
  -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

"$root/scripts/setup.sh"
labels=(-LE slow)
[ "${1:-}" = "--quick" ] || labels=()
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 1500 "${labels[@]}"
