// Two branches and every role, for the rights and scope tests (docs/scopes.md).
#pragma once

#include "server/server_fixture.h"

namespace fieldsync::test {

// The company: an administrator's office node set up both branches; alice
// and bob are north's technicians (VAN-A, VAN-B), dan a north driver, and
// bob has a case. Every device has synced once.
struct Company {
  TestServer s;
  TempDir dir;
  Device office{s, dir, "office.db", "admin"};
  std::string bobs_case, dans_shipment, eves_shipment;
  fieldsync::sync::Id bobs_case_id;
  Device alice{s, dir, "alice.db", "technician", "alice"}, bob{s, dir, "bob.db", "technician", "bob"},
      wh{s, dir, "wh.db", "warehouse"}, dan{s, dir, "dan.db", "driver", "dan"},
      south{s, dir, "south.db", "supervisor", "", "south"};

  Company() {
    Node& o = *office.node;
    addCustomers(o);
    Catalogue c(o);
    REQUIRE(c.addItem({"SEAL", "Seal kit", false, 0, 0}));
    for (auto [code, branch] : {std::pair{"WH-N", "north"}, {"WH-S", "south"}})
      REQUIRE(c.addLocation({code, "", LocationKind::warehouse, "", false, branch}));
    for (auto [code, who] : {std::pair{"VAN-A", "alice"}, {"VAN-B", "bob"}})
      REQUIRE(c.addLocation({code, "", LocationKind::van, who, false, "north"}));
    for (const char* at : {"WH-N", "WH-S", "VAN-A", "VAN-B"})
      REQUIRE(Stock(o).move(qtyMove(MoveKind::receipt, "SEAL", "", at, 50)));
    const auto opened = ok(Cases(o).open({"Mill Ltd", "", "", "", "noisy pump", Priority::normal, {}}));
    bobs_case = opened.number;
    bobs_case_id = opened.id;
    REQUIRE(Cases(o).schedule(bobs_case, "Bob", 1, 2));  // names compare as codes do
    dans_shipment = ok(Shipments(o).create("Bakery", "", "WH-N", "dan")).number;
    eves_shipment = ok(Shipments(o).create("Bakery", "", "WH-N", "eve")).number;
    REQUIRE(office.sync());
    for (Device* d : all()) REQUIRE(d->sync());
  }
  std::vector<Device*> all() { return {&alice, &bob, &wh, &dan, &south}; }
};

}  // namespace fieldsync::test
