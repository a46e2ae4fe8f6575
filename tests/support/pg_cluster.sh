#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests (../shared/toolchain.md): no
# system service, a free port on 127.0.0.1, trust authentication for one
# user. PostgreSQL refuses to run as root, so as root the cluster belongs to
# the "postgres" user that Debian's package makes, in a directory of /tmp
# (the build tree's parents may be closed to that user).
#   pg_cluster.sh start DIR   makes and starts it; writes the URI to DIR/uri
#   pg_cluster.sh stop DIR    stops it and removes it and DIR
set -euo pipefail

cmd=${1:?start or stop}
dir=${2:?the cluster directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg_cluster: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
start)
  "$0" stop "$dir"
  mkdir -p "$dir"
  cluster=$(mktemp -d /tmp/fieldsync-pg.XXXXXX)
  echo "$cluster" >"$dir/cluster"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$cluster"; fi
  as_owner "$bin/initdb" -D "$cluster/data" -U fieldsync -A trust --no-sync -E UTF8 >"$cluster/initdb.log"
  for attempt in 1 2 3 4 5; do
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if as_owner "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 30 \
        -o "-h 127.0.0.1 -p $port -k $cluster -c fsync=off -c max_connections=200" start >/dev/null; then
      echo "postgresql://fieldsync@127.0.0.1:$port/postgres" >"$dir/uri"
      exit 0
    fi
  done
  echo "pg_cluster: PostgreSQL did not start:" >&2
  cat "$cluster/server.log" >&2
  exit 1
  ;;
stop)
  cluster=$(cat "$dir/cluster" 2>/dev/null || true)
  if [ -n "$cluster" ] && [ -f "$cluster/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null || true
  fi
  if [ -n "$cluster" ]; then rm -rf "$cluster"; fi
  rm -rf "$dir"
  ;;
*)
  echo "pg_cluster: start or stop" >&2
  exit 2
  ;;
esac
