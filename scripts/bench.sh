#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs every benchmark and prints a Markdown
# table; the same figures go to build/bench.json. Each figure is compared
# with a baseline measured in the same run. About 7 minutes on 2 cores.
# Usage: scripts/bench.sh [--quick]   (--quick: smaller sizes, a smoke run)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
case "${1:-}" in
  ""|--quick) ;;
  -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac
"$root/scripts/setup.sh" >/dev/null
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
# P1 and P2 make their databases on a private PostgreSQL cluster, stopped at the end.
pg_dir=$build_dir/bench-postgresql
"$root/tests/support/pg_cluster.sh" start "$pg_dir"
trap '"$root/tests/support/pg_cluster.sh" stop "$pg_dir"' EXIT
"$build_dir/bench/fieldsync-bench" --fieldsync "$build_dir/node/fieldsync" --postgres "$(cat "$pg_dir/uri")" \
  --json "$build_dir/bench.json" ${1:+"$1"}
