#!/usr/bin/env bash
# Sets up (scripts/setup.sh), shows the system working (scripts/demo.sh: a
# server and two offline nodes that sync and converge), then runs the main
# job: fieldsync-server with its SQLite store in ./fieldsync-data, listening
# on 127.0.0.1:7420. With a display, the app (fieldsync-mobile) starts beside
# it and closing the app stops the server; without one, the app's screens are
# drawn offscreen into build/screens/ and the server runs until Ctrl-C.
# Environment: FIELDSYNC_DATA, FIELDSYNC_LISTEN, FIELDSYNC_COMPANY, FIELDSYNC_APP_DB
# (the app's node database, default ./fieldsync-app.db).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
data=${FIELDSYNC_DATA:-$root/fieldsync-data}
listen=${FIELDSYNC_LISTEN:-127.0.0.1:7420}
company=${FIELDSYNC_COMPANY:-ACME Service}
app_db=${FIELDSYNC_APP_DB:-$root/fieldsync-app.db}

"$root/scripts/setup.sh"
"$root/scripts/demo.sh"
server=("$build_dir/server/fieldsync-server" --data "$data" --company "$company" --listen "$listen")

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  # No display for the app: show its screens as pictures instead.
  echo
  echo "## No display here, so the app (fieldsync-mobile) draws its screens offscreen instead"
  QT_QPA_PLATFORM=offscreen "$build_dir/tests/mobile/fieldsync_mobile_tests" "screens:*" >/dev/null
  echo "  every role's screens at phone (400x800) and tablet (1280x800) size: $build_dir/screens/*.png"
  cat <<TXT

## The server is starting for real (Ctrl-C stops it). From another terminal:
  $build_dir/server/fieldsync-server --data "$data" enroll-token --branch north --role technician
  $build_dir/node/fieldsync --db my.db enroll "<the printed fs1: string>"
  $build_dir/node/fieldsync --db my.db sync

TXT
  exec "${server[@]}"
fi

# A display: the server in the background, the app in front of it.
"${server[@]}" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null' EXIT
for _ in $(seq 100); do  # until it listens: its store is ready then
  (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
token=$("$build_dir/server/fieldsync-server" --data "$data" enroll-token --branch north --role technician \
          --technician alice --address "$listen") || true
[ -n "${token:-}" ] || { echo "run.sh: the server did not start (see above)" >&2; exit 1; }
cat <<TXT

## The server runs on $listen (its data in $data); the app starts beside it.
## On its first screen, paste this enrollment string (a technician, alice):
  $token
## More devices: $build_dir/server/fieldsync-server --data "$data" enroll-token --branch north --role warehouse
## Closing the app stops the server.

TXT
"$build_dir/mobile/fieldsync-mobile" --db "$app_db"
