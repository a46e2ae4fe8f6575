#!/usr/bin/env bash
# A narrated day with a server and two offline nodes, using only the
# fieldsync and fieldsync-server programs: the back office and warehouse on
# office.db (a supervisor's node), technician Alice's tablet on alice.db. Both enroll, work
# offline, sync through the server, and each ends holding exactly its share
# of the server's merged state (docs/scopes.md), byte for byte. Then both use the last seal kits in
# Alice's van offline, and a supervisor resolves the exception the server
# raises. The demo's server runs on a free port
# and stops at the end.
# Environment: FIELDSYNC, FIELDSYNC_SERVER (the binaries), DEMO_DIR (kept;
# default a new temp dir).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${FIELDSYNC:-$root/build/node/fieldsync}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
server_bin=${FIELDSYNC_SERVER:-$root/build/server/fieldsync-server}
server_bin=$(cd "$(dirname "$server_bin")" && pwd)/$(basename "$server_bin")
dir=${DEMO_DIR:-$(mktemp -d)}
mkdir -p "$dir"
cd "$dir"
rm -rf office.db* alice.db* sup.db* server

server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null' EXIT

say() { printf '\n## %s\n' "$*"; }
show() {  # prints a command as one would type it
  printf '$ %s' "${prog:-fieldsync}"
  for a in "$@"; do if [[ $a =~ [[:space:]] || -z $a ]]; then printf ' "%s"' "$a"; else printf ' %s' "$a"; fi; done
  printf '\n'
}
run() {
  show "$@"
  if [ "${prog:-fieldsync}" = fieldsync-server ]; then "$server_bin" "$@"; else "$bin" "$@"; fi
}
field() { "$bin" --json "$@" | sed -n "s/.*\"$FIELD\":\"\([^\"]*\)\".*/\1/p" | head -n 1; }

say "The server starts; an administrator makes one enrollment string per device"
printf '$ fieldsync-server --data server --company "ACME Service" --listen 127.0.0.1:0 &\n'
"$server_bin" --data server --company "ACME Service" --listen 127.0.0.1:0 > server.out 2> server.log &
server_pid=$!
for _ in $(seq 50); do grep -q listening server.out 2>/dev/null && break; sleep 0.1; done
cat server.out
prog=fieldsync-server show --data server enroll-token --branch north --role supervisor
office_ticket=$("$server_bin" --data server enroll-token --branch north --role supervisor)
prog=fieldsync-server show --data server enroll-token --branch north --role technician --technician alice
alice_ticket=$("$server_bin" --data server enroll-token --branch north --role technician --technician alice)
echo "${alice_ticket:0:40}..."

say "The back office enrolls its node and sets up the catalogue"
run --db office.db enroll "$office_ticket"
run --db office.db item add PUMP-X1 --name "Pump X1" --serial --warranty-days 730
run --db office.db item add SEAL-KIT --name "Seal kit" --low-stock 5
run --db office.db location add WH1 --kind warehouse --name "Main warehouse" --branch north
run --db office.db location add WH2 --kind warehouse --name "North branch" --branch north
run --db office.db location add VAN-ALICE --kind van --technician alice --branch north
run --db office.db customer add "Bakery Oy" --contact "M. Virtanen" --phone "+358 40 123 4567"
run --db office.db site add "Plant 2" --customer "Bakery Oy" --address "Main Street 1, Oulu"
run --db office.db site add "Plant 3" --customer "Bakery Oy" --address "Harbour 4, Oulu"
run --db office.db customer add "Mill Ltd"
run --db office.db stock receive SEAL-KIT --to WH1 --qty 20
run --db office.db stock transfer SEAL-KIT --from WH1 --to VAN-ALICE --qty 3

run --db office.db sync

say "Alice's tablet enrolls, gets the catalogue, then goes offline"
run --db alice.db enroll "$alice_ticket"
run --db alice.db sync

say "Technician, offline at the customer: register the device, open a case, fix it"
run --db alice.db unit register PUMP-X1 " sn-1001 " --build B7
run --db alice.db unit install PUMP-X1 SN-1001 --customer "Bakery Oy" --site "Plant 2" --at 2026-11-02
FIELD=case case_no=$(field --db alice.db case open --item PUMP-X1 --serial SN-1001 --problem "leaks at the seal" --priority high)
show --db alice.db case open --item PUMP-X1 --serial SN-1001 --problem "leaks at the seal" --priority high
echo "(case $case_no)"
run --db alice.db case schedule "$case_no" --technician alice --from 2026-11-21T08:00 --to 2026-11-21T10:00
run --db alice.db case start "$case_no"
run --db alice.db case part "$case_no" SEAL-KIT --from VAN-ALICE --qty 1
run --db alice.db case log "$case_no" "replaced the shaft seal, pressure test ok"
# The customer signs on the tablet's screen (here: a small PNG drawn by Python).
python3 - signature.png <<'PY'
import struct, sys, zlib
w, h = 160, 48
rows = b"".join(b"\0" + bytes(255 if abs(y - 24 - int(12 * __import__("math").sin(x / 9))) > 1 else 0
                               for x in range(w)) for y in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
run --db alice.db case signoff "$case_no" --name "M. Virtanen" --signature signature.png
run --db alice.db case resolve "$case_no"
show --db alice.db case start "$case_no"
"$bin" --db alice.db case start "$case_no" || echo "(refused as it should be, exit code $?)"
show --db alice.db stock issue SEAL-KIT --from WH1 --qty 1
"$bin" --db alice.db stock issue SEAL-KIT --from WH1 --qty 1 || echo "(outside her rights, exit code $?)"

say "Warehouse, offline at the same time: receive serials, transfer via transit, ship"
run --db office.db stock receive PUMP-X1 --to WH1 --serial SN-2001 --serial SN-2002 --serial SN-2003
FIELD=doc doc=$(field --db office.db stock send PUMP-X1 --from WH1 --serial SN-2003)
show --db office.db stock send PUMP-X1 --from WH1 --serial SN-2003
echo "(transfer $doc)"
run --db office.db stock arrive "$doc" --to WH2
FIELD=shipment ship=$(field --db office.db shipment create --customer "Bakery Oy" --site "Plant 3" --from WH1)
show --db office.db shipment create --customer "Bakery Oy" --site "Plant 3" --from WH1
echo "(shipment $ship)"
run --db office.db shipment add "$ship" PUMP-X1 --serial SN-2001
run --db office.db shipment add "$ship" SEAL-KIT --qty 2
run --db office.db shipment dispatch "$ship"
run --db office.db shipment deliver "$ship" --recipient "J. Doe" --proof sha256:9f2c --place "dock 3"

say "Back online: each node syncs with the server"
run --db alice.db sync
run --db office.db sync
run --db alice.db sync
run --db alice.db status
prog=fieldsync-server run --data server devices

say "Both nodes now show the same picture"
run --db office.db stock balance
run --db office.db case list
run --db office.db shipment list
run --db office.db unit list
run --db alice.db unit show PUMP-X1 SN-1001
run --db office.db attachment list
run --db office.db attachment save "$("$bin" --db office.db --json attachment list | sed -n 's/.*"attachment":"\(sha256:[0-9a-f]*\)".*/\1/p' | head -n 1)" office-copy.png
cmp signature.png office-copy.png && echo "The customer's signature drawn on Alice's tablet reached the office, byte for byte"

say "A conflict no device could see: both use the last seal kits in Alice's van, offline"
run --db alice.db stock balance --item SEAL-KIT --location VAN-ALICE
FIELD=case mill_case=$(field --db alice.db case open --customer "Mill Ltd" --problem "noisy pump")
show --db alice.db case open --customer "Mill Ltd" --problem "noisy pump"
echo "(case $mill_case)"
run --db alice.db case part "$mill_case" SEAL-KIT --from VAN-ALICE --qty 2
run --db office.db stock issue SEAL-KIT --from VAN-ALICE --qty 1
run --db alice.db sync
run --db office.db sync

say "The supervisor enrolls, sees the exception, counts the van and resolves it"
prog=fieldsync-server show --data server enroll-token --branch north --role supervisor
sup_ticket=$("$server_bin" --data server enroll-token --branch north --role supervisor)
run --db sup.db enroll "$sup_ticket"
run --db sup.db sync
run --db sup.db exceptions list
FIELD=exception exception=$(field --db sup.db exceptions list)
run --db sup.db exceptions show "$exception"
run --db sup.db exceptions resolve "$exception" --note "van counted empty: the kit handed out was a return never booked" --adjust 1
run --db sup.db sync
run --db alice.db sync
run --db office.db sync
run --db office.db exceptions list --all
run --db office.db stock balance --item SEAL-KIT

say "Each device holds its share: the server's merged state, as each device's scope"
node_id() { "$bin" --db "$1" --json status | sed -n 's/.*"key":"node","value":"\([0-9a-f]*\)".*/\1/p'; }
office_id=$(node_id office.db)
alice_id=$(node_id alice.db)
"$bin" --db office.db export > office.json
"$bin" --db alice.db export > alice.json
prog=fieldsync-server show --data server export --device "$alice_id"
"$server_bin" --data server export --device "$office_id" > office-scope.json
"$server_bin" --data server export --device "$alice_id" > alice-scope.json
if cmp -s office.json office-scope.json && cmp -s alice.json alice-scope.json; then
  printf '\nConverged: each node exports what the server says it holds, byte for byte (%s and %s bytes). Files kept in %s\n' \
    "$(wc -c < office.json)" "$(wc -c < alice.json)" "$dir"
else
  printf '\nNOT converged: see %s/office.json and %s/alice.json\n' "$dir" "$dir" >&2
  exit 1
fi
