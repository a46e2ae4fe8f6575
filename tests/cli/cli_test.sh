#!/usr/bin/env bash
# End to end through the real program: the README's demo runs and converges,
# and exit codes mean what --help says.
# Usage: cli_test.sh FIELDSYNC_BINARY FIELDSYNC_SERVER_BINARY
set -uo pipefail
bin=$1
server_bin=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok: $name"; else echo "FAILED: $name"; failures=$((failures + 1)); fi
}
expect_exit() {  # expect_exit CODE ARGS...
  local want=$1; shift
  "$bin" "$@" >/dev/null 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$want" ] || { echo "  exit $got, wanted $want for: $*"; cat "$tmp/err"; return 1; }
}

FIELDSYNC=$bin FIELDSYNC_SERVER=$server_bin DEMO_DIR=$tmp/demo "$root/scripts/demo.sh" > "$tmp/demo.out" 2>&1
check "the demo exits 0" [ $? -eq 0 ]
check "the demo converges: each node holds exactly its scope of the server's state" \
  grep -q "^Converged: each node exports what the server says it holds, byte for byte" "$tmp/demo.out"
check "each node enrolled with its role" grep -Eq "^[0-9a-f]{32} +127.0.0.1:[0-9]+ +ACME SERVICE +north +technician" "$tmp/demo.out"
check "the case is resolved on both" grep -Eq "^C-[0-9a-f]{8}-0001 +Bakery Oy +Plant 2 +PUMP-X1/SN-1001 +high +resolved" "$tmp/demo.out"
check "the shipment is delivered" grep -Eq "^S-[0-9a-f]{8}-0001 +Bakery Oy +Plant 3 +WH1 +- +delivered" "$tmp/demo.out"
check "the customer's signature reached the office as an attachment" \
  grep -q "^The customer's signature drawn on Alice's tablet reached the office, byte for byte" "$tmp/demo.out"
check "an illegal transition is refused with exit 3" grep -q "refused as it should be, exit code 3" "$tmp/demo.out"
check "a technician's command outside her rights is refused with exit 3, naming the rule" \
  grep -q "a technician moves stock only out of its own van: WH1 is not a van" "$tmp/demo.out"
check "... with exit 3" grep -q "outside her rights, exit code 3" "$tmp/demo.out"
check "the van holds what is left" grep -Eq "^SEAL-KIT +VAN-ALICE +2 " "$tmp/demo.out"
check "the server raised one negative-stock exception" grep -Eq "^X-[0-9a-f]{10} +negative_stock +open +SEAL-KIT at VAN-ALICE" "$tmp/demo.out"
check "the supervisor's resolution reached the office" grep -Eq "^X-[0-9a-f]{10} +negative_stock +resolved +SEAL-KIT at VAN-ALICE" "$tmp/demo.out"

db=$tmp/exit.db
check "help exits 0" expect_exit 0 --help
check "a noun's help exits 0" expect_exit 0 stock --help
check "no command is a usage error" expect_exit 2
check "an unknown command is a usage error" expect_exit 2 --db "$db" frobnicate
check "an unknown option is a usage error" expect_exit 2 --db "$db" item add X --colour red
check "a missing argument is a usage error" expect_exit 2 --db "$db" item add
check "a missing required option is a usage error" expect_exit 2 --db "$db" location add X
check "a missing database is refused" expect_exit 3 --db "$db" status
check "a damaged enrollment string is refused" expect_exit 3 --db "$tmp/e.db" enroll fs1:garbage
# Files that are not node databases are refused (exit 3) and left as they were (issue 12, section 3).
: > "$tmp/empty.db"
check "an empty file is not a node database" expect_exit 3 --db "$tmp/empty.db" status
check "... and status writes nothing into it" [ ! -s "$tmp/empty.db" ]
printf 'hello' > "$tmp/notes.txt"
check "a text file is not a node database" expect_exit 3 --db "$tmp/notes.txt" status
check "... and stays as it was" [ "$(cat "$tmp/notes.txt")" = hello ]
check "a directory is not a node database" expect_exit 3 --db "$tmp" status
check "a path through a file cannot be reached" expect_exit 3 --db "$tmp/notes.txt/x.db" status
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null && runuser -u nobody -- "$bin" --help >/dev/null 2>&1; then
  mkdir -m 700 "$tmp/locked"  # a directory another user cannot search
  check "a database in a directory the user cannot search is refused, saying why" \
    bash -c "out=\$(runuser -u nobody -- '$bin' --db '$tmp/locked/x.db' status 2>&1 >/dev/null); [ \$? -eq 3 ] && grep -q 'cannot be reached: Permission denied' <<< \"\$out\""
else
  echo "skipped: the unsearchable-directory check (needs root and runuser, and a binary 'nobody' can run)"
fi
check "an admin command on a directory that holds no server is refused" \
  bash -c "'$server_bin' --data '$tmp/typo' devices 2>&1 >/dev/null | grep -q 'holds no fieldsync server'; [ \${PIPESTATUS[0]} -eq 3 ]"
check "... and makes nothing" [ ! -e "$tmp/typo" ]
check "init through a file cannot be reached" expect_exit 3 --db "$tmp/notes.txt/x.db" init --company ACME
check "init succeeds" expect_exit 0 --db "$db" init --company ACME
check "init makes the database readable by its owner only, and leaves no temporary file" \
  bash -c "[ \"\$(stat -c %a '$db')\" = 600 ] && ! ls '$tmp' | grep -q init-"
check "a blank required option is refused" expect_exit 3 --db "$db" case open --customer "   " --problem "   "
check "merging a file that is not a node database is refused" expect_exit 3 --db "$db" merge "$tmp/notes.txt"
check "text that is not UTF-8 is refused naming the option" \
  bash -c "'$bin' --db '$db' case open --customer \$'Bad\\xffCo' --problem p 2>&1 >/dev/null | grep -q -- '--customer: is not valid UTF-8'"
check "a quantity with two signs is refused" expect_exit 3 --db "$db" stock receive X --to WH1 --qty=--5
check "init twice is refused" expect_exit 3 --db "$db" init --company ACME
check "a bad quantity is refused" expect_exit 3 --db "$db" stock receive X --to WH1 --qty 1,5
check "a date that is not in the calendar is refused" expect_exit 3 --db "$db" case open --customer C --problem p --at 2026-02-30
check "a business time in the future is refused" expect_exit 3 --db "$db" case open --customer C --problem p --at 2062-01-05T08:00
check "an unknown item is refused" expect_exit 3 --db "$db" stock receive X --to WH1 --qty 1
check "resolving with two compensating facts is refused" \
  expect_exit 3 --db "$db" exceptions resolve X-0 --note n --adjust 1 --transfer-from WH1
check "--json gives JSON" bash -c "'$bin' --db '$db' --json location list | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 6'"
printf 'item,serial\nPUMP,A\n' > "$tmp/units.csv"
check "an import with invalid rows exits 3" expect_exit 3 --db "$db" unit import "$tmp/units.csv"

check "sync before enrolling is refused" expect_exit 3 --db "$db" sync
check "sync --watch before enrolling is refused, not retried forever" \
  bash -c "timeout 10 '$bin' --db '$db' sync --watch 2>/dev/null; [ \$? -eq 3 ]"
check "a bad --max-clock-ahead is a usage error, and nothing is created" bash -c "'$server_bin' --data '$tmp/srv0' --company ACME --listen 127.0.0.1:0 --max-clock-ahead soon 2>/dev/null; [ \$? -eq 2 ] && [ ! -e '$tmp/srv0' ]"
mkdir -m 755 "$tmp/srv"  # made by hand, open to all: the server tightens it
"$server_bin" --data "$tmp/srv" --company ACME --listen 127.0.0.1:0 > "$tmp/srv.out" 2>/dev/null &
srv=$!
for _ in $(seq 50); do grep -q listening "$tmp/srv.out" 2>/dev/null && break; sleep 0.1; done
check "a second server on the same data directory is refused" \
  bash -c "'$server_bin' --data '$tmp/srv' --listen 127.0.0.1:0 2>&1 >/dev/null | grep -q 'another fieldsync-server is serving'"
check "the server's data directory is its owner's only, and so are its databases" \
  bash -c "[ \"\$(stat -c %a '$tmp/srv')\" = 700 ] && [ \"\$(stat -c %a '$tmp/srv/server.db')\" = 600 ] && [ \"\$(stat -c %a '$tmp/srv/merged.db')\" = 600 ]"
ticket=$("$server_bin" --data "$tmp/srv" enroll-token --branch b --role admin)
check "enroll exits 0" expect_exit 0 --db "$tmp/d.db" enroll "$ticket"
check "sync exits 0" expect_exit 0 --db "$tmp/d.db" sync
# sync --watch: pushes a new local change promptly, and reconnects after the server restarts.
ops_received() { "$server_bin" --data "$tmp/srv" --json devices | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ops_received"])'; }
"$bin" --db "$tmp/d.db" sync --watch > /dev/null 2> "$tmp/watch.err" &
watcher=$!
for _ in $(seq 100); do grep -q "connected" "$tmp/watch.err" 2>/dev/null && break; sleep 0.1; done
check "sync --watch connects" grep -q "connected" "$tmp/watch.err"
before=$(ops_received)
"$bin" --db "$tmp/d.db" item add WATCHED > /dev/null
for _ in $(seq 50); do [ "$(ops_received)" -gt "$before" ] && break; sleep 0.2; done
check "sync --watch pushes a new local change within seconds" [ "$(ops_received)" -gt "$before" ]
kill -TERM $srv; wait $srv
check "the server stops cleanly on SIGTERM" [ $? -eq 0 ]
"$bin" --db "$tmp/d.db" item add WHILE-DOWN > /dev/null
before=$(ops_received)
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/srv.out")
"$server_bin" --data "$tmp/srv" --listen "127.0.0.1:$port" > /dev/null 2>&1 &
srv=$!
for _ in $(seq 100); do [ "$(ops_received)" -gt "$before" ] && break; sleep 0.2; done
check "sync --watch reconnects after the server restarts and pushes what waited" [ "$(ops_received)" -gt "$before" ]
kill -INT $watcher; wait $watcher
check "sync --watch stops cleanly on SIGINT" [ $? -eq 0 ]
kill -TERM $srv; wait $srv
check "an unreachable server exits 4" expect_exit 4 --db "$tmp/d.db" sync
# A full disk on the server (issue 12, sections 1 and 2): sync exits 4, and --watch retries with growing pauses.
mkdir -p "$tmp/disk"
if mount -t tmpfs -o size=16m tmpfs "$tmp/disk" 2>/dev/null; then
  cp -a "$tmp/srv" "$tmp/disk/srv"
  "$server_bin" --data "$tmp/disk/srv" --listen "127.0.0.1:$port" > /dev/null 2> "$tmp/full.err" &
  srv=$!
  for _ in $(seq 50); do "$bin" --db "$tmp/d.db" sync >/dev/null 2>&1 && break; sleep 0.1; done
  dd if=/dev/zero of="$tmp/disk/filler" bs=64k 2>/dev/null
  for i in $(seq 200); do "$bin" --db "$tmp/d.db" item add "FULL-$i" > /dev/null; done
  check "with the server's disk full, sync exits 4" expect_exit 4 --db "$tmp/d.db" sync
  # A node database on the full disk: try again later (4), saying why.
  rm -f "$tmp/disk/filler"; cp "$tmp/d.db" "$tmp/disk/node.db"; dd if=/dev/zero of="$tmp/disk/filler" bs=64k 2>/dev/null
  check "a node database on a full disk: status exits 4" expect_exit 4 --db "$tmp/disk/node.db" status
  check "... saying the disk may be full" grep -q "disk" "$tmp/err"
  check "... and a command too" expect_exit 4 --db "$tmp/disk/node.db" item add FULLNODE
  timeout 8 "$bin" --db "$tmp/d.db" sync --watch > /dev/null 2> "$tmp/full-watch.err"
  check "--watch keeps retrying, with growing pauses" grep -q "retrying in 4s" "$tmp/full-watch.err"
  check "... and does not open a session per second" [ "$(grep -c 'retrying in' "$tmp/full-watch.err")" -le 4 ]
  rm -f "$tmp/disk/filler"
  check "once space returns, sync exits 0" expect_exit 0 --db "$tmp/d.db" sync
  kill -TERM $srv; wait $srv
  umount "$tmp/disk"
else
  echo "skipped: the full-disk checks (cannot mount a tmpfs here)"
fi
# Out of file descriptors (issue 12, section 1): the server backs off, keeps accepting, and serves again.
(ulimit -n 64; exec "$server_bin" --data "$tmp/srv" --listen "127.0.0.1:$port" --max-connections 1000) > /dev/null 2> "$tmp/emfile.err" &
srv=$!
for _ in $(seq 50); do grep -q "listening" "$tmp/emfile.err" 2>/dev/null || "$bin" --db "$tmp/d.db" sync >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "$port" <<'PY'
import socket, sys, time
# From 20 loopback addresses, as from many hosts: the per-address limit does not stop them.
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=("127.0.0.%d" % (2 + i % 20), 0))
        for i in range(80)]
time.sleep(1)
for s in held: s.close()
PY
check "out of descriptors, accept failures are logged once and retried" grep -q "accept failed (Too many open files); retrying" "$tmp/emfile.err"
check "once descriptors are free, a device syncs again" expect_exit 0 --db "$tmp/d.db" sync
check "... and the server said it accepts again" grep -q "accepting again" "$tmp/emfile.err"
check "... and logged the failure once, not once per attempt" [ "$(grep -c 'accept failed' "$tmp/emfile.err")" -eq 1 ]
kill -TERM $srv; wait $srv
check "a blank branch is refused" bash -c "'$server_bin' --data '$tmp/srv' enroll-token --branch '   ' --role driver 2>&1 >/dev/null | grep -q 'branch: name the branch'; [ \${PIPESTATUS[0]} -eq 3 ]"
check "a branch with an escape is refused" bash -c "'$server_bin' --data '$tmp/srv' enroll-token --branch \$'a\\x1bb' --role driver 2>/dev/null; [ \$? -eq 3 ]"
check "a wrong server role is a usage-level refusal" bash -c "'$server_bin' --data '$tmp/srv' enroll-token --branch b --role pilot 2>/dev/null; [ \$? -eq 3 ]"

echo "$failures failed"
[ "$failures" -eq 0 ]
