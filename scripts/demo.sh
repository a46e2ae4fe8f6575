#!/usr/bin/env bash
# A narrated day with two offline nodes, using only the fieldsync CLI:
# the back office and warehouse on office.db, technician Alice's tablet on
# alice.db. Each works offline, then they merge each other's ops (as a USB
# stick would carry them) and end with byte-identical exports.
# Environment: FIELDSYNC (the binary), DEMO_DIR (kept; default a new temp dir).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${FIELDSYNC:-$root/build/node/fieldsync}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
dir=${DEMO_DIR:-$(mktemp -d)}
mkdir -p "$dir"
cd "$dir"
rm -f office.db* alice.db*

say() { printf '\n## %s\n' "$*"; }
show() {  # prints a command as one would type it
  printf '$ fieldsync'
  for a in "$@"; do if [[ $a =~ [[:space:]] || -z $a ]]; then printf ' "%s"' "$a"; else printf ' %s' "$a"; fi; done
  printf '\n'
}
run() { show "$@"; "$bin" "$@"; }
field() { "$bin" --json "$@" | sed -n "s/.*\"$FIELD\":\"\([^\"]*\)\".*/\1/p" | head -n 1; }

say "The back office sets up its node and the catalogue"
run --db office.db init --company "ACME Service" >/dev/null
run --db office.db item add PUMP-X1 --name "Pump X1" --serial --warranty-days 730
run --db office.db item add SEAL-KIT --name "Seal kit" --low-stock 5
run --db office.db location add WH1 --kind warehouse --name "Main warehouse"
run --db office.db location add WH2 --kind warehouse --name "North branch"
run --db office.db location add VAN-ALICE --kind van --technician alice
run --db office.db stock receive SEAL-KIT --to WH1 --qty 20
run --db office.db stock transfer SEAL-KIT --from WH1 --to VAN-ALICE --qty 3

say "Alice's tablet gets the catalogue once, then goes offline"
run --db alice.db init --company "ACME Service" >/dev/null
run --db alice.db merge office.db

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
run --db alice.db case signoff "$case_no" --name "M. Virtanen"
run --db alice.db case resolve "$case_no"
show --db alice.db case start "$case_no"
"$bin" --db alice.db case start "$case_no" || echo "(refused as it should be, exit code $?)"

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

say "Back online: each node takes the other's ops"
run --db alice.db merge office.db
run --db office.db merge alice.db

say "Both nodes now show the same picture"
run --db office.db stock balance
run --db office.db case list
run --db office.db shipment list
run --db office.db unit list
run --db alice.db unit show PUMP-X1 SN-1001

"$bin" --db office.db export > office.json
"$bin" --db alice.db export > alice.json
if cmp -s office.json alice.json; then
  printf '\nConverged: both exports are identical (%s bytes). Databases kept in %s\n' "$(wc -c < office.json)" "$dir"
else
  printf '\nNOT converged: see %s/office.json and %s/alice.json\n' "$dir" "$dir" >&2
  exit 1
fi
