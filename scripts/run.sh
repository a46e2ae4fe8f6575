#!/usr/bin/env bash
# Sets up (scripts/setup.sh), shows the system working (scripts/demo.sh: a
# server and two offline nodes that sync and converge), then runs the main
# job: fieldsync-server with its SQLite store in ./fieldsync-data, listening
# on 127.0.0.1:7420 until Ctrl-C.
# Environment: FIELDSYNC_DATA, FIELDSYNC_LISTEN, FIELDSYNC_COMPANY.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
data=${FIELDSYNC_DATA:-$root/fieldsync-data}
listen=${FIELDSYNC_LISTEN:-127.0.0.1:7420}
company=${FIELDSYNC_COMPANY:-ACME Service}

"$root/scripts/setup.sh"
"$root/scripts/demo.sh"
cat <<TXT

## The server is starting for real (Ctrl-C stops it). From another terminal:
  $build_dir/server/fieldsync-server --data "$data" enroll-token --branch north --role technician
  $build_dir/node/fieldsync --db my.db enroll "<the printed fs1: string>"
  $build_dir/node/fieldsync --db my.db sync

TXT
exec "$build_dir/server/fieldsync-server" --data "$data" --company "$company" --listen "$listen"
