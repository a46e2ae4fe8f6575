#include "node/node.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <set>
#include <sstream>

#include "node/node_fixture.h"
#include "node/periods.h"
#include "node/reconcile.h"
#include "node/exceptions.h"
#include "storage/sqlite.h"

using namespace fieldsync::test;
using fieldsync::sync::Errc;

namespace {
struct Fixture {
  TempDir dir;
  std::uint64_t wall_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z; tests move it
  std::unique_ptr<Node> node = newNode(dir, "node.db", {[this] { return wall_ms; }});
  Node& n = *node;
  Fixture() { addCatalogue(n); }
};
}  // namespace

TEST_CASE("init refuses an existing file and open explains how to create a missing one", "[node]") {
  TempDir dir;
  auto first = newNode(dir, "a.db");
  auto again = Node::init(dir.file("a.db"), "ACME");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::refused);
  auto missing = Node::open(dir.file("nope.db"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
  CHECK_THAT(missing.error().message, Catch::Contains("init --company"));
  CHECK_FALSE(std::filesystem::exists(dir.file("nope.db")));
}

TEST_CASE("a node keeps its state, identity and clock across reopening", "[node]") {
  TempDir dir;
  Snapshot before;
  fieldsync::sync::Id id;
  {
    auto n = newNode(dir, "n.db");
    addCatalogue(*n);
    REQUIRE(Stock(*n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 4)));
    before = snapshot(*n);
    id = n->nodeId();
  }
  auto reopened = Node::open(dir.file("n.db"));
  REQUIRE(reopened);
  CHECK((*reopened)->nodeId() == id);
  CHECK(snapshot(**reopened) == before);
  REQUIRE(Stock(**reopened).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1)));
  CHECK(balance(**reopened, "SEAL", "WH1") == "5");
  auto own = (*reopened)->opsOf(id, 0, 1000);
  REQUIRE(own);
  for (std::size_t i = 0; i < own->size(); ++i) CHECK((*own)[i].id.seq == i + 1);  // no seq reused
}

TEST_CASE("every refused command leaves the database unchanged and names what was wrong", "[node]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 2)));
  REQUIRE(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-1"})));
  const std::string c = ok(Cases(n).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  const std::string s = ok(Shipments(n).create("Bakery", "Plant 2", "WH1")).number;

  struct Refusal {
    const char* what;
    std::function<fieldsync::sync::Error()> run;
    Errc code;
    const char* message;
  };
  auto err = [](auto r) { return r.error(); };
  const std::vector<Refusal> refusals{
      {"an empty item code", [&] { return err(Catalogue(n).addItem({" ", "", false, 0, 0})); }, Errc::invalid_input, "an item needs a code"},
      {"changing an item's tracking", [&] { return err(Catalogue(n).addItem({"SEAL", "", true, 0, 0})); }, Errc::refused, "tracking cannot change"},
      {"a van without technician", [&] { return err(Catalogue(n).addLocation({"VAN-X", "", LocationKind::van, "", false, {}})); }, Errc::invalid_input, "--technician"},
      {"changing a location's kind", [&] { return err(Catalogue(n).addLocation({"WH1", "", LocationKind::van, "bob", false, {}})); }, Errc::refused, "kind cannot change"},
      {"a unit of an unknown item", [&] { return err(Catalogue(n).registerUnit({"NOPE", "X1"})); }, Errc::not_found, "not a known item"},
      {"a unit of an item without serials", [&] { return err(Catalogue(n).registerUnit({"SEAL", "X1"})); }, Errc::invalid_input, "not tracked by serial"},
      {"installing an unregistered unit", [&] { return err(Catalogue(n).installUnit({"PUMP", "SN-404", "Bakery"})); }, Errc::not_found, "not a registered unit"},
      {"issuing more than the balance", [&] { return err(Stock(n).move(qtyMove(MoveKind::issue, "SEAL", "WH1", "", 3))); }, Errc::refused, "holds 2 of SEAL, 3 requested"},
      {"a serial that is elsewhere", [&] { return err(Stock(n).move(serialMove(MoveKind::transfer, "PUMP", "WH2", "WH1", {"SN-1"}))); }, Errc::refused, "SN-1 is at WH1, not at WH2"},
      {"receiving a serial already in stock", [&] { return err(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH2", {"sn-1"}))); }, Errc::refused, "already in stock at WH1"},
      {"a quantity for a serial item", [&] { return err(Stock(n).move(qtyMove(MoveKind::receipt, "PUMP", "", "WH1", 1))); }, Errc::invalid_input, "--serial"},
      {"serials for a quantity item", [&] { return err(Stock(n).move(serialMove(MoveKind::receipt, "SEAL", "", "WH1", {"A"}))); }, Errc::invalid_input, "use --qty"},
      {"a zero quantity", [&] { return err(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 0))); }, Errc::invalid_input, "--qty"},
      {"a serial listed twice", [&] { return err(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"N1", "n1"}))); }, Errc::invalid_input, "listed twice"},
      {"moving to the same place", [&] { return err(Stock(n).move(qtyMove(MoveKind::transfer, "SEAL", "WH1", "WH1", 1))); }, Errc::invalid_input, "same location"},
      {"an unknown location", [&] { return err(Stock(n).move(qtyMove(MoveKind::transfer, "SEAL", "WH1", "MARS", 1))); }, Errc::not_found, "MARS"},
      {"an adjustment without reason", [&] { return err(Stock(n).move(qtyMove(MoveKind::adjustment, "SEAL", "LOSS", "WH1", 1))); }, Errc::invalid_input, "--reason"},
      {"sending into a non-transit location", [&] { return err(Stock(n).move(qtyMove(MoveKind::transit_out, "SEAL", "WH1", "WH2", 1))); }, Errc::invalid_input, "not a transit"},
      // Transit is entered by a dispatch and left by an arrival (docs/data-model.md, movement kinds).
      {"a transfer out of transit", [&] { return err(Stock(n).move(qtyMove(MoveKind::transfer, "SEAL", "TRANSIT", "WH1", 1))); }, Errc::invalid_input, "--from: TRANSIT is a transit location"},
      {"an issue out of transit", [&] { return err(Stock(n).move(qtyMove(MoveKind::issue, "SEAL", "TRANSIT", "", 1))); }, Errc::invalid_input, "--from: TRANSIT is a transit location"},
      {"a receipt into transit", [&] { return err(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "TRANSIT", 1))); }, Errc::invalid_input, "--to: TRANSIT is a transit location"},
      {"a transfer into transit", [&] { return err(Stock(n).move(qtyMove(MoveKind::transfer, "SEAL", "WH1", "TRANSIT", 1))); }, Errc::invalid_input, "--to: TRANSIT is a transit location"},
      {"counting a serial item", [&] { return err(Stock(n).count({"PUMP", "WH1", 1000, {}, {}})); }, Errc::invalid_input, "tracked by serial"},
      {"a case without a problem", [&] { return err(Cases(n).open({"Bakery", "", "", "", "", Priority::normal, {}})); }, Errc::invalid_input, "--problem"},
      {"a case without a customer", [&] { return err(Cases(n).open({"", "", "", "", "leak", Priority::normal, {}})); }, Errc::invalid_input, "--customer"},
      {"an illegal case transition", [&] { return err(Cases(n).setStatus(c, CaseStatus::closed, {})); }, Errc::refused, "allowed next: scheduled, in_progress, cancelled"},
      {"an unknown case", [&] { return err(Cases(n).log("C-NOPE", "x", {})); }, Errc::not_found, "C-NOPE"},
      {"a part from a warehouse", [&] { return err(Cases(n).usePart(c, qtyMove(MoveKind::consumption, "SEAL", "WH1", "", 1))); }, Errc::refused, "from a van"},
      {"a part the van does not have", [&] { return err(Cases(n).usePart(c, qtyMove(MoveKind::consumption, "SEAL", "VAN-A", "", 1))); }, Errc::refused, "VAN-A holds 0"},
      {"a visit window that ends first", [&] { return err(Cases(n).schedule(c, "alice", 2000, 1000)); }, Errc::invalid_input, "--to"},
      {"a sign-off without a name", [&] { return err(Cases(n).signOff(c, "", {})); }, Errc::invalid_input, "--name"},
      {"delivering before dispatch", [&] { return err(Shipments(n).track(s, {ShipmentStatus::delivered, {}, "Jo"})); }, Errc::refused, "cannot go from created to delivered"},
      {"delivering without a recipient", [&] { return err(Shipments(n).track(s, {ShipmentStatus::delivered})); }, Errc::invalid_input, "--recipient"},
      {"dispatching an empty shipment", [&] { return err(Shipments(n).track(s, {ShipmentStatus::dispatched})); }, Errc::refused, "no lines"},
      {"a line the origin cannot cover", [&] { return err(Shipments(n).addLine(s, "SEAL", 5000, {}, false)); }, Errc::refused, "WH1 holds 2"},
  };
  for (const Refusal& r : refusals) {
    INFO(r.what);
    const Snapshot before = snapshot(n);
    const fieldsync::sync::Error e = r.run();
    CHECK(e.code == r.code);
    CHECK_THAT(e.message, Catch::Contains(r.message));
    CHECK(snapshot(n) == before);
  }
}

TEST_CASE("what the field saw is recorded with --force where the local rules would refuse it", "[node]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 3)));
  const std::string c = ok(Cases(n).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  MoveSpec part = qtyMove(MoveKind::consumption, "SEAL", "WH1", "", 1);  // taken straight from the warehouse
  part.force = true;
  CHECK(ok(Cases(n).usePart(c, part)).forced);
  const std::string s = ok(Shipments(n).create("Bakery", "Plant 2", "WH1")).number;
  REQUIRE(Shipments(n).addLine(s, "SEAL", 1000, {}, false));
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::dispatched}));
  REQUIRE_FALSE(Shipments(n).addLine(s, "SEAL", 1000, {}, false));
  CHECK(Shipments(n).addLine(s, "SEAL", 1000, {}, true));  // a line found on the way
}

TEST_CASE("a unit registered twice with differently typed serials is one unit", "[node]") {
  Fixture f;
  CHECK(ok(Catalogue(f.n).registerUnit({"PUMP", " sn-77 ", "B1"})).result == Saved::created);
  CHECK(ok(Catalogue(f.n).registerUnit({"pump", "SN-77", "B1"})).result == Saved::unchanged);
  CHECK(ok(Catalogue(f.n).registerUnit({"PUMP", "SN-77", "B2"})).result == Saved::updated);
  auto units = Catalogue(f.n).units();
  REQUIRE(units);
  REQUIRE(units->size() == 1);
  CHECK((*units)[0].build_code == "B2");
}

TEST_CASE("stock moves keep a ledger whose balances follow every movement kind", "[node][stock]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 10)));
  REQUIRE(Stock(n).move(qtyMove(MoveKind::transfer, "SEAL", "WH1", "VAN-A", 4)));
  REQUIRE(Stock(n).move(qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1.5)));
  REQUIRE(Stock(n).move(qtyMove(MoveKind::scrap, "SEAL", "VAN-A", "", 1)));
  REQUIRE(Stock(n).move(qtyMove(MoveKind::customer_return, "SEAL", "", "WH2", 0.5)));
  MoveSpec adjust = qtyMove(MoveKind::adjustment, "SEAL", "WH1", "LOSS", 0.5);
  adjust.reason = "damaged in storage";
  REQUIRE(Stock(n).move(adjust));
  CHECK(balance(n, "SEAL", "WH1") == "4");
  CHECK(balance(n, "SEAL", "VAN-A") == "3");
  CHECK(balance(n, "SEAL", "WH2") == "0.5");
  auto low = Stock(n).low();
  REQUIRE(low);
  CHECK(low->size() == 3);  // all below 5

  CHECK(formatQty(ok(Stock(n).count({"SEAL", "WH1", 6000, {}, {}})).variance) == "2");
  CHECK(balance(n, "SEAL", "WH1") == "6");
  CHECK(formatQty(ok(Stock(n).count({"SEAL", "WH1", 6000, {}, {}})).variance) == "0");  // recorded, nothing missing
}

TEST_CASE("an override records a physical fact that the local state contradicts", "[node][stock]") {
  Fixture f;
  MoveSpec issue = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 2);
  issue.force = true;
  CHECK(ok(Stock(f.n).move(issue)).forced);
  CHECK(balance(f.n, "SEAL", "WH1") == "-2");
}

TEST_CASE("a transfer via transit is sent by one node and can arrive once", "[node][stock]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"S1", "S2"})));
  const std::string doc = ok(Stock(n).move(serialMove(MoveKind::transit_out, "PUMP", "WH1", "", {"S1", "S2"}))).number;
  CHECK(balance(n, "PUMP", "TRANSIT") == "2");
  auto units = Catalogue(n).units();
  REQUIRE(units);
  CHECK((*units)[0].state == UnitState::in_transit);
  CHECK(formatQty(ok(Stock(n).arrive({doc, "WH2"})).qty) == "2");
  CHECK(balance(n, "PUMP", "WH2") == "2");
  CHECK(balance(n, "PUMP", "TRANSIT") == "0");
  auto again = Stock(n).arrive({doc, "WH2"});
  REQUIRE_FALSE(again);
  CHECK_THAT(again.error().message, Catch::Contains("already arrived"));
}

TEST_CASE("a technician's case runs from open to closed, and a reopen is counted", "[node][case]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Catalogue(n).registerUnit({"PUMP", "SN-1", "B7", "Bakery", "Plant 2"}));
  REQUIRE(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-A", 3)));
  REQUIRE(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "VAN-A", {"P-9"})));
  const std::string c = ok(Cases(n).open({"", "", "PUMP", "sn-1", "leaks", Priority::high, {}})).number;
  const CaseRow opened = ok(Cases(n).show(c)).summary;  // customer and site from the unit
  CHECK(opened.customer + " / " + opened.site == "Bakery / Plant 2");
  CHECK(ok(Cases(n).schedule(c, "alice", 1000, 2000)).status == CaseStatus::scheduled);
  REQUIRE(Cases(n).setStatus(c, CaseStatus::in_progress, {}));
  REQUIRE(Cases(n).usePart(c, qtyMove(MoveKind::consumption, "SEAL", "VAN-A", "", 1)));
  REQUIRE(Cases(n).usePart(c, serialMove(MoveKind::consumption, "PUMP", "VAN-A", "", {"P-9"})));
  REQUIRE(Cases(n).log(c, "replaced seal", {}));
  REQUIRE(Cases(n).signOff(c, "M. Virtanen", {}));
  REQUIRE(Cases(n).setStatus(c, CaseStatus::resolved, {}));
  REQUIRE(Cases(n).setStatus(c, CaseStatus::reopened, {}));
  REQUIRE(Cases(n).setStatus(c, CaseStatus::in_progress, {}));
  REQUIRE(Cases(n).setStatus(c, CaseStatus::resolved, {}));
  CHECK(ok(Cases(n).setStatus(c, CaseStatus::closed, {})).reopen_count == 1);
  CHECK(balance(n, "SEAL", "VAN-A") == "2");

  auto closed_part = Cases(n).usePart(c, qtyMove(MoveKind::consumption, "SEAL", "VAN-A", "", 1));
  REQUIRE_FALSE(closed_part);
  CHECK_THAT(closed_part.error().message, Catch::Contains("was closed"));

  // The serial part used on the case's device is installed into it.
  auto units = Catalogue(n).units();
  REQUIRE(units);
  bool found = false;
  for (const UnitView& u : *units)
    if (u.serial == "P-9") {
      found = true;
      CHECK(u.parent == "SN-1");
      CHECK(u.state == UnitState::installed);
    }
  CHECK(found);
  auto history = Cases(n).show(c);
  REQUIRE(history);
  CHECK(history->history.size() == 8 + 2 + 1 + 1 + 1);  // statuses, parts, activity, signoff, visit
}

TEST_CASE("a serial cannot be moved at a time before its last movement, unless forced", "[node][stock]") {
  Fixture f;
  REQUIRE(Stock(f.n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"T-1"})));
  MoveSpec early = serialMove(MoveKind::transfer, "PUMP", "WH1", "WH2", {"T-1"});
  early.at = *parseTime("2025-12-31", "t");
  auto refused = Stock(f.n).move(early);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("cannot be dated before"));
  early.force = true;
  REQUIRE(Stock(f.n).move(early));
  CHECK(balance(f.n, "PUMP", "WH2") == "1");
  auto units = Catalogue(f.n).units();
  REQUIRE(units);
  CHECK((*units)[0].location == "WH1");  // the place follows business time
}

TEST_CASE("a back-dated status change must fit the case's history", "[node][case]") {
  Fixture f;
  const std::string c = ok(Cases(f.n).open({"Bakery", "", "", "", "noise", Priority::low, 5'000'000})).number;
  REQUIRE(Cases(f.n).setStatus(c, CaseStatus::in_progress, 6'000'000));
  auto early = Cases(f.n).setStatus(c, CaseStatus::resolved, 4'000'000);  // before the case was opened
  REQUIRE_FALSE(early);
  CHECK(early.error().code == Errc::refused);
}

TEST_CASE("a shipment is dispatched from stock and delivered with proof, starting the warranty", "[node][shipment]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"D-1"})));
  REQUIRE(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 5)));
  const std::string s = ok(Shipments(n).create("Bakery", "Plant 3", "WH1")).number;
  REQUIRE(Shipments(n).addLine(s, "PUMP", {}, {"D-1"}, false));
  REQUIRE(Shipments(n).addLine(s, "SEAL", 2000, {}, false));
  auto dup = Shipments(n).addLine(s, "PUMP", {}, {"d-1"}, false);
  REQUIRE_FALSE(dup);
  CHECK_THAT(dup.error().message, Catch::Contains("already on shipment"));
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::ready}));
  f.wall_ms += 3'600'000;
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::dispatched}));
  CHECK(balance(n, "SEAL", "WH1") == "3");
  CHECK(balance(n, "SEAL", "TRANSIT") == "2");
  auto cancel = Shipments(n).track(s, {ShipmentStatus::cancelled});
  REQUIRE_FALSE(cancel);
  CHECK_THAT(cancel.error().message, Catch::Contains("cannot go from dispatched to cancelled"));
  auto fail_no_reason = Shipments(n).track(s, {ShipmentStatus::attempt_failed});
  REQUIRE_FALSE(fail_no_reason);
  CHECK(fail_no_reason.error().code == Errc::invalid_input);
  f.wall_ms += 3'600'000;
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::attempt_failed, {}, "", "", "", "not_home"}));
  f.wall_ms = static_cast<std::uint64_t>(*parseTime("2026-01-03", "t"));  // delivered yesterday, recorded today
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::delivered, *parseTime("2026-01-02", "t"), "J. Doe", "sha256:ab", "dock 3"}));
  CHECK(balance(n, "SEAL", "TRANSIT") == "0");
  auto list = Shipments(n).list();
  REQUIRE(list);
  CHECK((*list)[0].status == ShipmentStatus::delivered);
  CHECK((*list)[0].attempts == 1);
  auto units = Catalogue(n).units();
  REQUIRE(units);
  CHECK((*units)[0].customer == "Bakery");
  CHECK((*units)[0].state == UnitState::delivered);
  CHECK(formatTime((*units)[0].warranty_start.value()) == "2026-01-02T00:00:00Z");  // warranty from delivery
  CHECK(formatTime((*units)[0].warranty_end.value()) == "2028-01-02T00:00:00Z");  // + 730 days
}

TEST_CASE("rebuilding the projections from the op log gives the same state", "[node]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 10)));
  REQUIRE(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"R-1", "R-2"})));
  REQUIRE(Catalogue(n).installUnit({"PUMP", "R-2", "Bakery", "Plant", "", "", 5000}));
  const std::string c = ok(Cases(n).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  REQUIRE(Cases(n).setStatus(c, CaseStatus::in_progress, {}));
  const std::string s = ok(Shipments(n).create("Bakery", "", "WH1")).number;
  REQUIRE(Shipments(n).addLine(s, "PUMP", {}, {"R-1"}, false));
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::dispatched}));
  const Snapshot before = snapshot(n);
  REQUIRE(n.rebuild());
  CHECK(snapshot(n) == before);
}

TEST_CASE("a CSV import reports created, updated, unchanged, duplicate and invalid rows", "[node][import]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Catalogue(n).registerUnit({"PUMP", "OLD-1", "B1"}));
  const std::string csv =
      "item,serial,build_code,customer,site,manufactured_on\n"
      "PUMP,new-1,B1,bakery ,\"plant 2\",2025-01-31\n"
      "PUMP,OLD-1,B2,,,\n"
      "PUMP, new-1 ,B1,Bakery,x,\n"
      "SEAL,S-1,,,,\n"
      "NOPE,S-2,,,,\n"
      "PUMP,,,,,\n"
      "PUMP,BAD-DATE,,,,31.01.2025\n"
      "PUMP,SHORT\n"
      "PUMP,NEW-3,,Nobody Oy,,\n"
      "\n"
      "PUMP,NEW-2,,,,\n";
  SECTION("a dry run counts everything and writes nothing") {
    const Snapshot before = snapshot(n);
    std::istringstream in(csv);
    auto sum = Catalogue(n).importUnits(in, {true});
    REQUIRE(sum);
    CHECK(sum->read == 10);
    CHECK(sum->created == 2);
    CHECK(sum->updated == 1);
    CHECK(sum->duplicates == 1);
    CHECK(sum->invalid == 6);
    CHECK(snapshot(n) == before);
  }
  SECTION("a real import writes the valid rows and names each bad line") {
    std::istringstream in(csv);
    auto sum = Catalogue(n).importUnits(in);
    REQUIRE(sum);
    CHECK(sum->created == 2);
    REQUIRE(sum->problems.size() == 7);
    CHECK(sum->problems[0] == "line 4: duplicate of an earlier line: PUMP NEW-1");
    CHECK_THAT(sum->problems[1], Catch::StartsWith("line 5: item SEAL is not tracked by serial"));
    CHECK_THAT(sum->problems[2], Catch::StartsWith("line 6: item: 'NOPE' is not a known item"));
    CHECK(sum->problems[3] == "line 7: serial: must not be empty");
    CHECK_THAT(sum->problems[4], Catch::StartsWith("line 8: manufactured_on"));
    CHECK(sum->problems[5] == "line 9: expected 6 fields, found 2");
    CHECK_THAT(sum->problems[6], Catch::StartsWith("line 10: customer: 'Nobody Oy' is not a known customer"));
    auto units = Catalogue(n).units();
    REQUIRE(units);
    CHECK(units->size() == 3);
    CHECK((*units)[0].customer == "Bakery");  // as the customer is spelled
    CHECK((*units)[0].site == "Plant 2");
    std::istringstream again(csv);
    auto second = Catalogue(n).importUnits(again);
    REQUIRE(second);
    CHECK(second->unchanged == 3);
    CHECK(second->created == 0);
  }
  SECTION("a bad header is refused before anything is read") {
    std::istringstream in("item,serial,colour\nPUMP,X,red\n");
    auto sum = Catalogue(n).importUnits(in);
    REQUIRE_FALSE(sum);
    CHECK_THAT(sum.error().message, Catch::Contains("unknown column 'colour'"));
  }
}

TEST_CASE("two processes writing to one database never reuse an op id", "[node]") {
  TempDir dir;
  auto first = newNode(dir, "shared.db");
  addCatalogue(*first);
  auto second = Node::open(dir.file("shared.db"));  // as another process would
  REQUIRE(second);
  REQUIRE(Stock(**second).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1)));
  REQUIRE(Stock(*first).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 2)));  // first's cached seq is stale
  CHECK(*first->ownSeq() == *(*second)->ownSeq());
  auto ops = first->opsOf(first->nodeId(), 0, 1000);
  REQUIRE(ops);
  CHECK(ops->size() == *first->ownSeq());  // none was dropped as a duplicate
  CHECK(balance(*first, "SEAL", "WH1") == "3");
}

TEST_CASE("a damaged counter in the database is an error naming it, not a crash", "[node]") {
  TempDir dir;
  auto n = newNode(dir, "n.db");
  addCatalogue(*n);
  fieldsync::storage::Db(dir.file("n.db"), false).exec("UPDATE meta SET value = 'x17' WHERE key = 'seq'");
  auto command = Stock(*n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1));
  REQUIRE_FALSE(command);
  CHECK(command.error().code == Errc::internal);
  CHECK_THAT(command.error().message, Catch::Contains("meta seq: 'x17' is not a number"));
  auto reopened = Node::open(dir.file("n.db"));
  REQUIRE_FALSE(reopened);
  CHECK_THAT(reopened.error().message, Catch::Contains("damaged"));
  fieldsync::storage::Db(dir.file("n.db"), false).exec("UPDATE meta SET value = '12' WHERE key = 'seq'; "
                                                       "INSERT INTO meta VALUES('sync.cursor', '-1')");
  auto cursor = n->settingNumber("sync.cursor");
  REQUIRE_FALSE(cursor);
  CHECK_THAT(cursor.error().message, Catch::Contains("sync.cursor"));
}

TEST_CASE("a business time later than now is refused, and nothing is written", "[node]") {
  Fixture f;  // its clock reads 2026-01-01T00:00:00Z
  const Snapshot before = snapshot(f.n);
  MoveSpec future = serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-7"});
  future.at = *parseTime("2062-01-05T08:00", "t");
  auto r = Stock(f.n).move(future);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_input);
  CHECK_THAT(r.error().message, Catch::StartsWith("--at: 2062-01-05T08:00:00Z is later than now"));
  CHECK(snapshot(f.n) == before);
  // So SN-7 can be received and moved today.
  REQUIRE(Stock(f.n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-7"})));
  REQUIRE(Stock(f.n).move(serialMove(MoveKind::transfer, "PUMP", "WH1", "WH2", {"SN-7"})));
  // The same rule for every command with a business time; a clock's drift is tolerated.
  const std::int64_t now = static_cast<std::int64_t>(f.wall_ms);
  const std::int64_t later = now + kBusinessTimeToleranceMs + 1;
  const std::string c = ok(Cases(f.n).open({"Bakery", "", "", "", "leak", Priority::normal, now + 60'000})).number;
  CHECK_FALSE(Cases(f.n).open({"Bakery", "", "", "", "leak", Priority::normal, later}));
  CHECK_FALSE(Cases(f.n).setStatus(c, CaseStatus::in_progress, later));
  CHECK_FALSE(Cases(f.n).log(c, "x", later));
  CHECK_FALSE(Cases(f.n).signOff(c, "x", later));
  CHECK_FALSE(Catalogue(f.n).installUnit({"PUMP", "SN-7", "Bakery", "", "", "", later}));
  const std::string s = ok(Shipments(f.n).create("Bakery", "", "WH1")).number;
  CHECK_FALSE(Shipments(f.n).track(s, {ShipmentStatus::ready, later}));
  CHECK_FALSE(Stock(f.n).count({"SEAL", "WH1", 1000, {}, later}));
}

TEST_CASE("a back-dated movement out is checked at its business time and at every later point", "[node][stock]") {
  Fixture f;
  f.wall_ms = static_cast<std::uint64_t>(*parseTime("2026-02-01", "t"));
  auto at = [](const char* day) { return *parseTime(day, "t"); };
  MoveSpec receipt = qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 10);
  receipt.at = at("2026-01-10");
  REQUIRE(Stock(f.n).move(receipt));
  SECTION("before the stock arrived") {
    MoveSpec early = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 5);
    early.at = at("2026-01-05");
    const Snapshot before = snapshot(f.n);
    auto r = Stock(f.n).move(early);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::refused);
    CHECK_THAT(r.error().message, Catch::Contains("WH1 holds 0 of SEAL, 5 requested"));
    CHECK(snapshot(f.n) == before);
    early.force = true;  // recorded anyway, for the server to reconcile
    REQUIRE(Stock(f.n).move(early));
    CHECK(balance(f.n, "SEAL", "WH1") == "5");
  }
  SECTION("enough then, but not for what comes later") {
    MoveSpec later = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 8);
    later.at = at("2026-01-20");
    REQUIRE(Stock(f.n).move(later));
    MoveSpec between = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 3);
    between.at = at("2026-01-15");  // 10 held then, but the 20th's issue leaves only 2
    auto r = Stock(f.n).move(between);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("a later movement leaves 2 on 2026-01-20T00:00:00Z"));
    between.qty = 2000;  // what the later point allows
    REQUIRE(Stock(f.n).move(between));
    CHECK(balance(f.n, "SEAL", "WH1") == "0");
  }
}

TEST_CASE("serials typed with a no-break space or in another Unicode form are one unit", "[node]") {
  Fixture f;
  for (const char* serial : {"SN-1001", "SN-1001\u00a0", "CAF\u00c9-7", "CAFE\u0301-7"})
    REQUIRE(Catalogue(f.n).registerUnit({"PUMP", serial}));
  auto units = ok(Catalogue(f.n).units());
  REQUIRE(units.size() == 2);
  CHECK(units[0].serial == "CAF\u00c9-7");
  CHECK(units[1].serial == "SN-1001");
}

TEST_CASE("a CSV import takes files as spreadsheets save them", "[node][import]") {
  Fixture f;
  auto import = [&](const std::string& text, ImportOptions options = {}) {
    std::istringstream in(text);
    return ok(Catalogue(f.n).importUnits(in, options));
  };
  SECTION("a UTF-8 byte-order mark, as Excel writes it") {
    CHECK(import("\xEF\xBB\xBFitem,serial\r\nPUMP,B-1\r\n").created == 1);
  }
  SECTION("headers in any case, with spaces") {
    CHECK(import("Item,Serial\nPUMP,H-1\n").created == 1);
    CHECK(import("item, serial , Build Code\nPUMP,H-2,B7\n").created == 1);
    auto units = ok(Catalogue(f.n).units());
    REQUIRE(units.size() == 2);
    CHECK(units[1].build_code == "B7");
  }
  SECTION("semicolons, as European Excel saves, or tabs, detected from the header") {
    CHECK(import("item;serial;customer\nPUMP;S-1;\"Bakery; Oy\"\n").created == 1);  // a customer of the fixture
    CHECK(import("item\tserial\nPUMP\tT-1\n").created == 1);
    CHECK(ok(Catalogue(f.n).units())[0].customer == "Bakery; Oy");
  }
  SECTION("a separator given when the header alone cannot tell") {
    CHECK(import("item;serial\nPUMP;X,1\n", {false, ';'}).created == 1);
    CHECK(ok(Catalogue(f.n).units())[0].serial == "X,1");
  }
  SECTION("a quoted field with line breaks, and the lines after it still named right") {
    const auto sum = import("item,serial,customer,site\nPUMP,Q-1,Bakery,\"Plant 2\nHall B\"\nNOPE,Q-2,,\n\nPUMP,,,\n"
                            "PUMP,Q-3,Bakery,Plant 2\n");
    CHECK(sum.created == 1);
    REQUIRE(sum.problems.size() == 3);
    CHECK_THAT(sum.problems[0], Catch::StartsWith("line 2: site: 'Plant 2\nHall B' is not a site of Bakery"));
    CHECK_THAT(sum.problems[1], Catch::StartsWith("line 4: item: 'NOPE'"));
    CHECK(sum.problems[2] == "line 6: serial: must not be empty");
    CHECK(ok(Catalogue(f.n).units())[0].site == "Plant 2");
  }
  SECTION("unnamed trailing columns, as spreadsheets save them, are ignored; an empty row names what is missing") {
    const auto sum = import("item,serial,,\nPUMP,E-1,,\n,,,\n");
    CHECK(sum.created == 1);
    REQUIRE(sum.problems.size() == 1);
    CHECK(sum.problems[0] == "line 3: item: is empty");
  }
  SECTION("a misplaced quote makes its row invalid, and the rows after it are read as rows") {
    const auto sum = import("item,serial\nPUMP,\"Z1\"junk\nPUMP,Z\"2\nPUMP,\"Z3\"\"q\"\nPUMP,\"Z4\nstill Z4\"\"\"x\nPUMP,Z5\n");
    CHECK(sum.created == 2);
    CHECK(sum.invalid == 3);
    REQUIRE(sum.problems.size() == 3);
    CHECK_THAT(sum.problems[0], Catch::StartsWith("line 2: a quote is misplaced"));
    CHECK_THAT(sum.problems[1], Catch::StartsWith("line 3: a quote is misplaced"));
    CHECK_THAT(sum.problems[2], Catch::StartsWith("line 5: a quote is misplaced"));
    const auto units = ok(Catalogue(f.n).units());
    REQUIRE(units.size() == 2);
    CHECK(units[0].serial == "Z3\"Q");
    CHECK(units[1].serial == "Z5");
  }
  SECTION("a quote that is never closed makes its row invalid, not the file") {
    const auto sum = import("item,serial\nPUMP,U-1\nPUMP,\"U-2\n");
    CHECK(sum.created == 1);
    CHECK(sum.invalid == 1);
    REQUIRE(sum.problems.size() == 1);
    CHECK(sum.problems[0] == "line 3: a quoted field is not closed");
  }
}

namespace {
// Gives each node the other's ops, as a sync through the server would.
void exchange(Node& a, Node& b) {
  for (auto [from, to] : {std::pair{&a, &b}, {&b, &a}}) {
    auto ops = from->opsOf(from->nodeId(), 0, 1'000'000);
    REQUIRE(ops);
    REQUIRE(to->applyRemote(*ops));
  }
}
}  // namespace

TEST_CASE("edits on two devices write only the fields they change, and both survive the merge", "[node]") {
  TempDir dir;
  auto a = newNode(dir, "a.db"), b = newNode(dir, "b.db");
  REQUIRE(Catalogue(*a).addItem({"PUMP-X1", "Pump X1", true, 365, 2000}));
  REQUIRE(Catalogue(*a).addLocation({"VAN-A", "", LocationKind::van, "alice", false, {}}));
  exchange(*a, *b);
  // Offline: A raises the low-stock mark and lets the van go negative; B renames and reassigns it.
  REQUIRE(Catalogue(*a).setItem({"PUMP-X1", {}, {}, 5000}));
  REQUIRE(Catalogue(*b).setItem({"PUMP-X1", "Pump X1 Pro", {}, {}}));
  REQUIRE(Catalogue(*a).setLocation({"VAN-A", {}, {}, true}));
  REQUIRE(Catalogue(*b).setLocation({"VAN-A", {}, "bob", {}}));
  exchange(*a, *b);
  for (Node* n : {a.get(), b.get()}) {
    const ItemView item = ok(Catalogue(*n).items())[0];
    CHECK(item.name == "Pump X1 Pro");
    CHECK(item.warranty_days == 365);
    CHECK(item.low_stock == 5000);
    for (const LocationView& l : ok(Catalogue(*n).locations()))
      if (l.code == "VAN-A") {
        CHECK(l.technician == "bob");
        CHECK(l.allow_negative);
      }
  }
  CHECK(*a->exportJson() == *b->exportJson());
}

TEST_CASE("adding a code again changes nothing, and editing it is a verb of its own", "[node]") {
  Fixture f;
  CHECK(ok(Catalogue(f.n).addItem({"SEAL", "Seal kit", false, 0, 5000})).result == Saved::unchanged);
  auto other = Catalogue(f.n).addItem({"SEAL", "Seal kit v2", false, 0, 5000});
  REQUIRE_FALSE(other);
  CHECK(other.error().code == Errc::refused);
  CHECK_THAT(other.error().message, Catch::Contains("item set"));
  CHECK(ok(Catalogue(f.n).setItem({"SEAL", "Seal kit v2", {}, {}})).result == Saved::updated);
  CHECK(ok(Catalogue(f.n).setItem({"SEAL", "Seal kit v2", {}, {}})).result == Saved::unchanged);
  CHECK_FALSE(Catalogue(f.n).setItem({"SEAL", {}, {}, {}}));  // nothing to change
  CHECK(Catalogue(f.n).setItem({"NOPE", "x", {}, {}}).error().code == Errc::not_found);
  CHECK_FALSE(Catalogue(f.n).setLocation({"VAN-A", {}, " ", {}}));  // a van keeps a technician
  const std::string c = ok(Cases(f.n).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  const CaseRow edited = ok(Cases(f.n).edit(c, {Priority::urgent, {}}));
  CHECK(edited.priority == Priority::urgent);
  CHECK(edited.problem == "leak");
}

TEST_CASE("a retired item stays retired when another device edits it meanwhile", "[node]") {
  TempDir dir;
  auto a = newNode(dir, "a.db"), b = newNode(dir, "b.db");
  addCatalogue(*a);
  exchange(*a, *b);
  REQUIRE(Catalogue(*a).retireItem("SEAL"));
  REQUIRE(Catalogue(*b).setItem({"SEAL", "Seal kit, old stock", {}, {}}));  // offline, later by the clock
  exchange(*a, *b);
  for (Node* n : {a.get(), b.get()}) {
    const auto items = ok(Catalogue(*n).items());
    REQUIRE(items.size() == 1);
    CHECK(items[0].code == "PUMP");
    auto moved = Stock(*n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1));
    REQUIRE_FALSE(moved);
    CHECK(moved.error().code == Errc::not_found);
  }
  CHECK(*a->exportJson() == *b->exportJson());
  // Adding it again brings it back, with the fields given, on every node.
  CHECK(ok(Catalogue(*a).addItem({"SEAL", "Seal kit", false, 0, 6000})).result == Saved::updated);
  exchange(*a, *b);
  for (Node* n : {a.get(), b.get()}) {
    const auto items = ok(Catalogue(*n).items());
    REQUIRE(items.size() == 2);
    CHECK(items[1].low_stock == 6000);
    CHECK(Stock(*n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1)));
  }
}

namespace {
// Two devices sharing a clock that reads 2026-01-05T12:00:00Z.
struct TwoDevices {
  TempDir dir;
  std::uint64_t wall_ms = static_cast<std::uint64_t>(*parseTime("2026-01-05T12:00", "t"));
  std::unique_ptr<Node> a = newNode(dir, "a.db", {[this] { return wall_ms; }});
  std::unique_ptr<Node> b = newNode(dir, "b.db", {[this] { return wall_ms; }});
  TwoDevices() {
    addCustomers(*a);
    addCustomers(*b);
  }
  static std::int64_t at(const char* hhmm) { return *parseTime(std::string("2026-01-05T") + hhmm, "t"); }
  // Posted on device a at 08:00 of the day.
  void receive(MoveSpec receipt) {
    receipt.at = at("08:00");
    REQUIRE(Stock(*a).move(receipt));
  }
};
}  // namespace

TEST_CASE("a delivery the driver saw is recorded though the dispatch has not reached the driver's device",
          "[node][shipment]") {
  TwoDevices d;  // a: the warehouse, b: the driver
  addCatalogue(*d.a);
  d.receive(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"D-1"}));
  const std::string s = ok(Shipments(*d.a).create("Bakery", "Plant 3", "WH1")).number;
  REQUIRE(Shipments(*d.a).addLine(s, "PUMP", {}, {"D-1"}, false));
  exchange(*d.a, *d.b);
  // Offline: the warehouse dispatches at 09:00; the driver delivers at 10:00 and never saw the dispatch.
  REQUIRE(Shipments(*d.a).track(s, {ShipmentStatus::dispatched, TwoDevices::at("09:00")}));
  TrackSpec deliver{ShipmentStatus::delivered, TwoDevices::at("10:00"), "J. Doe", "sha256:9f2c"};
  const Snapshot before = snapshot(*d.b);
  auto refused = Shipments(*d.b).track(s, deliver);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::refused);
  CHECK_THAT(refused.error().message, Catch::Contains("cannot go from created to delivered"));
  CHECK_THAT(refused.error().message, Catch::Contains("--force"));
  CHECK(snapshot(*d.b) == before);
  deliver.force = true;
  REQUIRE(Shipments(*d.b).track(s, deliver));
  const ShipmentRow seen = ok(Shipments(*d.b).list())[0];
  CHECK(seen.status == ShipmentStatus::delivered);  // kept, with an anomaly until the dispatch arrives
  CHECK(seen.anomalies == 1);
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    const ShipmentRow row = ok(Shipments(*n).list())[0];
    CHECK(row.status == ShipmentStatus::delivered);
    CHECK(row.anomalies == 0);  // dispatched at 09:00, delivered at 10:00: legal
    CHECK(balance(*n, "PUMP", "TRANSIT") == "0");
    CHECK(ok(Catalogue(*n).units())[0].state == UnitState::delivered);
  }
  CHECK(*d.a->exportJson() == *d.b->exportJson());
}

TEST_CASE("a partial delivery hands over what was accepted, the refused serial comes back with no customer or warranty",
          "[node][shipment]") {
  TwoDevices d;  // a: the warehouse, b: the driver
  addCatalogue(*d.a);
  d.receive(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-1", "SN-2", "SN-3"}));
  d.receive(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 10));
  const std::string s = ok(Shipments(*d.a).create("Bakery", "Plant 3", "WH1")).number;
  REQUIRE(Shipments(*d.a).addLine(s, "PUMP", {}, {"SN-1", "SN-2", "SN-3"}, false));
  REQUIRE(Shipments(*d.a).addLine(s, "SEAL", 5000, {}, false));
  REQUIRE(Shipments(*d.a).track(s, {ShipmentStatus::dispatched, TwoDevices::at("09:00")}));
  exchange(*d.a, *d.b);

  // Offline at the customer's: what cannot be a partial delivery is refused, naming the option, writing nothing.
  TrackSpec deliver{ShipmentStatus::delivered, TwoDevices::at("10:00"), "J. Doe", "sha256:9f2c"};
  struct Bad {
    const char* what;
    std::vector<std::string> serials, refused;
    std::vector<ItemQty> refused_qty;
    std::string reason, message;
  };
  const Snapshot before = snapshot(*d.b);
  for (const Bad& bad : std::vector<Bad>{
           {"no reason", {}, {"SN-3"}, {}, "", "--reason: a partial delivery needs the reason"},
           {"a serial not on it", {}, {"SN-9"}, {}, "damaged", "--refused: SN-9 is not on shipment"},
           {"more refused than carried", {}, {}, {{"SEAL", 7000}}, "damaged", "--refused-qty: SEAL: shipment"},
           {"a serial neither handed over nor refused", {"SN-1"}, {"SN-3"}, {}, "damaged", "--serial: SN-2 is on shipment"},
           {"a serial both", {"SN-1", "SN-2", "SN-3"}, {"SN-3"}, {}, "damaged", "--serial: SN-3 is also --refused"},
           {"everything", {}, {"SN-1", "SN-2", "SN-3"}, {{"SEAL", 5000}}, "damaged", "record a failed attempt instead"},
       }) {
    INFO(bad.what);
    TrackSpec t = deliver;
    t.serials = bad.serials;
    t.refused = bad.refused;
    t.refused_qty = bad.refused_qty;
    t.reason = bad.reason;
    auto r = Shipments(*d.b).track(s, t);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_input);
    CHECK_THAT(r.error().message, Catch::Contains(bad.message));
  }
  CHECK(snapshot(*d.b) == before);
  deliver.refused = {"sn-3"};  // as typed
  deliver.refused_qty = {{"SEAL", 2000}};
  deliver.reason = "damaged";
  CHECK(ok(Shipments(*d.b).track(s, deliver)).to == ShipmentStatus::partially_delivered);

  // The warehouse records what came back; both devices merge it.
  exchange(*d.a, *d.b);
  d.wall_ms += 3'600'000;
  REQUIRE(Shipments(*d.a).track(s, {ShipmentStatus::returned, TwoDevices::at("12:30")}));
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    const ShipmentView v = ok(Shipments(*n).show(s));
    CHECK(v.summary.status == ShipmentStatus::returned);
    CHECK(v.summary.anomalies == 0);
    REQUIRE(v.lines.size() == 4);
    CHECK((v.lines[0].delivered == 1000 && v.lines[1].delivered == 1000 && v.lines[2].delivered == 0));
    CHECK((v.lines[2].refused == 1000 && v.lines[2].returned == 1000));
    CHECK((v.lines[3].delivered == 3000 && v.lines[3].refused == 2000 && v.lines[3].returned == 2000));
    for (const UnitView& u : ok(Catalogue(*n).units())) {
      INFO(u.serial);
      if (u.serial == "SN-3") {
        CHECK(u.customer.empty());
        CHECK_FALSE(u.warranty_start);
        CHECK(u.state == UnitState::in_stock);
      } else {
        CHECK(u.customer == "Bakery");
        CHECK(formatTime(u.warranty_start.value()) == "2026-01-05T10:00:00Z");
        CHECK(u.state == UnitState::delivered);
      }
    }
    CHECK(balance(*n, "SEAL", "WH1") == "7");
    CHECK(balance(*n, "PUMP", "WH1") == "1");
    CHECK(balance(*n, "SEAL", "TRANSIT") == "0");
  }
  CHECK(*d.a->exportJson() == *d.b->exportJson());
}

TEST_CASE("a customer return (RMA) ends the customer's hold, a re-delivery does not restart the warranty",
          "[node][shipment][unit]") {
  TwoDevices d;  // a: the warehouse, b: the technician who takes the unit back
  d.wall_ms = static_cast<std::uint64_t>(TwoDevices::at("19:00"));
  addCatalogue(*d.a);
  d.receive(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-1"}));
  auto ship = [&](const char* customer, std::int64_t dispatched, std::int64_t delivered) {
    const std::string s = ok(Shipments(*d.a).create(customer, "", "WH1")).number;
    REQUIRE(Shipments(*d.a).addLine(s, "PUMP", {}, {"SN-1"}, false));
    REQUIRE(Shipments(*d.a).track(s, {ShipmentStatus::dispatched, dispatched}));
    REQUIRE(Shipments(*d.a).track(s, {ShipmentStatus::delivered, delivered, "J. Doe", "sha256:9f2c"}));
  };
  ship("Bakery", TwoDevices::at("09:00"), TwoDevices::at("10:00"));
  exchange(*d.a, *d.b);
  // Offline at the customer's, the technician takes the unit back to the van.
  MoveSpec rma = serialMove(MoveKind::customer_return, "PUMP", "", "VAN-A", {"SN-1"});
  rma.at = TwoDevices::at("14:00");
  REQUIRE(Stock(*d.b).move(rma));
  // A return takes back a unit we know: a serial never registered is refused, unless forced.
  MoveSpec unknown = serialMove(MoveKind::customer_return, "PUMP", "", "VAN-A", {"SN-99"});
  unknown.at = TwoDevices::at("14:00");
  auto phantom = Stock(*d.b).move(unknown);
  REQUIRE_FALSE(phantom);
  CHECK(phantom.error().code == Errc::not_found);
  CHECK(phantom.error().message == "--serial: SN-99 is not a registered unit of PUMP");
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    const UnitHistory h = ok(Catalogue(*n).unitHistory("PUMP", "SN-1"));
    CHECK(h.unit.customer.empty());
    CHECK(h.unit.state == UnitState::in_stock);
    CHECK(h.unit.location == "VAN-A");
    CHECK(std::any_of(h.events.begin(), h.events.end(),
                      [](const HistoryEntry& e) { return e.event == "customer_return"; }));
    CHECK(formatTime(h.unit.warranty_start.value()) == "2026-01-05T10:00:00Z");  // kept from the delivery
  }
  // Back to the warehouse, and sold again a week later to another customer.
  MoveSpec back = serialMove(MoveKind::transfer, "PUMP", "VAN-A", "WH1", {"SN-1"});
  back.at = TwoDevices::at("16:00");
  REQUIRE(Stock(*d.a).move(back));
  d.wall_ms += 7 * 86'400'000ull;
  const std::int64_t week = 7 * 86'400'000;
  ship("Dairy", TwoDevices::at("09:00") + week, TwoDevices::at("10:00") + week);
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    const UnitView u = ok(Catalogue(*n).unitHistory("PUMP", "SN-1")).unit;
    CHECK(u.customer == "Dairy");
    CHECK(u.state == UnitState::delivered);
    CHECK(formatTime(u.warranty_start.value()) == "2026-01-05T10:00:00Z");  // not restarted
    CHECK(formatTime(u.warranty_end.value()) == "2028-01-05T10:00:00Z");
  }
  CHECK(*d.a->exportJson() == *d.b->exportJson());
}

TEST_CASE("a failed attempt names a reason from the fixed set, after three the shipment must go back",
          "[node][shipment]") {
  TwoDevices d;
  d.wall_ms = static_cast<std::uint64_t>(TwoDevices::at("19:00"));
  addCatalogue(*d.a);
  Node& n = *d.a;
  d.receive(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-1"}));
  const std::string s = ok(Shipments(n).create("Bakery", "", "WH1")).number;
  REQUIRE(Shipments(n).addLine(s, "PUMP", {}, {"SN-1"}, false));
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::dispatched, TwoDevices::at("09:00")}));
  TrackSpec fail{ShipmentStatus::attempt_failed, TwoDevices::at("10:00")};
  fail.reason = "nobody there";
  const Snapshot before = snapshot(n);
  auto bad = Shipments(n).track(s, fail);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::invalid_input);
  CHECK(bad.error().message ==
        "--reason: is nobody there; a failed attempt's reason is one of not_home, refused, address_wrong, damaged");
  TrackSpec refusal{ShipmentStatus::delivered, TwoDevices::at("10:00"), "J. Doe", "sha256:9f2c"};
  refusal.refused = {"SN-1"};
  refusal.reason = "not_home";
  auto bad_refusal = Shipments(n).track(s, refusal);
  REQUIRE_FALSE(bad_refusal);
  CHECK_THAT(bad_refusal.error().message, Catch::Contains("a refusal's reason is one of refused, damaged"));
  CHECK(snapshot(n) == before);
  const char* reasons[] = {"not_home", "address_wrong", "not_home"};
  for (int i = 0; i < 3; ++i) {
    TrackSpec out{ShipmentStatus::out_for_delivery, TwoDevices::at("10:00") + i * 3'600'000};
    if (i > 0) REQUIRE(Shipments(n).track(s, out));
    fail.at = TwoDevices::at("10:30") + i * 3'600'000;
    fail.reason = reasons[i];
    REQUIRE(Shipments(n).track(s, fail));
  }
  CHECK(ok(Shipments(n).list())[0].attempts == 3);
  auto fourth = Shipments(n).track(s, {ShipmentStatus::out_for_delivery, TwoDevices::at("14:00")});
  REQUIRE_FALSE(fourth);
  CHECK(fourth.error().code == Errc::refused);
  CHECK_THAT(fourth.error().message, Catch::Contains("3 delivery attempts failed; send it back (shipment returning)"));
  const ShipmentView v = ok(Shipments(n).show(s));
  REQUIRE(v.tracking.size() == 6);
  CHECK(v.tracking[3].reason == "address_wrong");
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::returning, TwoDevices::at("14:00")}));
  REQUIRE(Shipments(n).track(s, {ShipmentStatus::returned, TwoDevices::at("15:00")}));
  CHECK(balance(n, "PUMP", "WH1") == "1");
}

TEST_CASE("a period close refuses postings dated inside it, offline work that arrives after it raises closed_period",
          "[node][period]") {
  TwoDevices d;  // a: the technician's van stock, offline; b: the back office; srv: the server's replica
  auto srv = newNode(d.dir, "srv.db", {[&d] { return d.wall_ms; }});
  addCatalogue(*d.a);
  REQUIRE(Catalogue(*d.a).addLocation({"WH-N", "", LocationKind::warehouse, "", false, "north"}));
  auto day = [](const char* when) { return *parseTime(when, "t"); };
  MoveSpec receipt = qtyMove(MoveKind::receipt, "SEAL", "", "WH-N", 10);
  receipt.at = day("2026-01-01T08:00");
  REQUIRE(Stock(*d.a).move(receipt));
  exchange(*d.a, *d.b);
  std::size_t pushed = 0;  // how many of a's ops the server has
  auto push = [&](Node& from, std::size_t& after) {
    auto ops = ok(from.opsOf(from.nodeId(), after, 1'000'000));
    after += ops.size();
    REQUIRE(srv->applyRemote(ops));
    REQUIRE(Reconciler(*srv).reconcile(ops));
  };
  push(*d.a, pushed);

  // Offline: the technician issues 2 on January 2nd; the office closes north through January 3rd.
  MoveSpec issue = qtyMove(MoveKind::issue, "SEAL", "WH-N", "", 2);
  issue.at = day("2026-01-02T10:00");
  const std::string offline = ok(Stock(*d.a).move(issue)).number;
  for (const auto& [through, message] : std::vector<std::pair<std::string, std::string>>{
           {"2026-01", "--through: give the period's last day, like 2026-10-31"},
           {"2026-02-30", "--through: '2026-02-30' is not a date in the calendar"},
           {"2026-01-05", "--through: 2026-01-05 has not ended yet"}}) {
    auto bad = Periods(*d.b).close({"north", through});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Errc::invalid_input);
    CHECK_THAT(bad.error().message, Catch::StartsWith(message));
  }
  const PeriodClosed closed = ok(Periods(*d.b).close({"North ", "2026-01-03"}));
  CHECK(closed.period.through == "2026-01-03");
  CHECK(formatTime(closed.period.closed_until) == "2026-01-04T00:00:00Z");
  const Snapshot before = snapshot(*d.b);
  MoveSpec late = qtyMove(MoveKind::receipt, "SEAL", "", "WH-N", 1);
  late.at = day("2026-01-03T09:00");
  auto refused = Stock(*d.b).move(late);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::refused);
  CHECK(refused.error().message ==
        "period: branch north is closed through 2026-01-03, and this posting at WH-N is dated 2026-01-03T09:00:00Z; "
        "post a correction in the open period, or use --force to record it anyway");
  auto count = Stock(*d.b).count({"SEAL", "WH-N", 9000, {}, day("2026-01-02T12:00")});
  REQUIRE_FALSE(count);
  CHECK_THAT(count.error().message, Catch::StartsWith("period: branch north is closed through 2026-01-03"));
  CHECK(snapshot(*d.b) == before);
  MoveSpec elsewhere = qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1);  // WH1 is shared: no branch's close
  elsewhere.at = day("2026-01-02T09:00");
  REQUIRE(Stock(*d.b).move(elsewhere));
  late.at = day("2026-01-04T00:00");  // the first ms of the open period
  REQUIRE(Stock(*d.b).move(late));
  late.at = day("2026-01-03T09:00");
  late.force = true;
  const std::string forced = ok(Stock(*d.b).move(late)).number;

  // The server learns the close and the forced receipt, then the technician's offline issue.
  std::size_t pushed_b = 0;
  push(*d.b, pushed_b);
  push(*d.a, pushed);
  const auto rows = ok(Exceptions(*srv).list(false));
  REQUIRE(rows.size() == 2);
  std::set<std::string> subjects;
  for (const ExceptionRow& r : rows) {
    CHECK(r.kind == "closed_period");
    subjects.insert(r.subjects);
    const ExceptionView x = ok(Exceptions(*srv).show(r.number));
    CHECK_THAT(x.detail, Catch::Contains("arrived after branch north was closed through 2026-01-03"));
    CHECK_THAT(x.suggestion, Catch::StartsWith("post a correction dated after 2026-01-03"));
  }
  CHECK(subjects == std::set<std::string>{offline + " at WH-N", forced + " at WH-N"});
  const auto raised = ok(srv->opsOf(srv->nodeId(), 0, 1000));  // the server's exceptions reach both devices
  REQUIRE(d.a->applyRemote(raised));
  REQUIRE(d.b->applyRemote(raised));
  exchange(*d.a, *d.b);
  // Both kept the offline issue; now the technician's node knows the close too.
  for (Node* n : {d.a.get(), d.b.get()}) {
    CHECK(balance(*n, "SEAL", "WH-N") == "10");  // 10 - 2 + 1 + 1
    CHECK(ok(Periods(*n).list()) == std::vector<PeriodRow>{{"North", "2026-01-03", day("2026-01-04")}});
  }
  issue.at = day("2026-01-03T10:00");
  auto now_refused = Stock(*d.a).move(issue);
  REQUIRE_FALSE(now_refused);
  CHECK(now_refused.error().code == Errc::refused);
  CHECK(*d.a->exportJson() == *d.b->exportJson());
  CHECK_THAT(*d.a->exportJson(), Catch::Contains("\"periods\":[{\"branch\":\"North\",\"through\":\"2026-01-03\"}]"));
}

TEST_CASE("a reopen the office records before the technician's resolve has synced is kept", "[node][case]") {
  TwoDevices d;  // a: the technician, b: the office
  const std::string c =
      ok(Cases(*d.a).open({"Bakery", "", "", "", "leak", Priority::normal, TwoDevices::at("08:00")})).number;
  REQUIRE(Cases(*d.a).setStatus(c, CaseStatus::in_progress, TwoDevices::at("09:00")));
  exchange(*d.a, *d.b);
  REQUIRE(Cases(*d.a).setStatus(c, CaseStatus::resolved, TwoDevices::at("10:00")));  // offline
  auto refused = Cases(*d.b).setStatus(c, CaseStatus::reopened, TwoDevices::at("10:30"));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("cannot go from in_progress to reopened"));
  REQUIRE(Cases(*d.b).setStatus(c, CaseStatus::reopened, TwoDevices::at("10:30"), true));
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    const CaseRow row = ok(Cases(*n).list())[0];
    CHECK(row.status == CaseStatus::reopened);
    CHECK(row.reopen_count == 1);
    CHECK(row.anomalies == 0);
  }
}

TEST_CASE("a back-dated transition says what really blocks it", "[node][case]") {
  TwoDevices d;
  const std::string c =
      ok(Cases(*d.a).open({"Bakery", "", "", "", "leak", Priority::normal, TwoDevices::at("08:00")})).number;
  REQUIRE(Cases(*d.a).setStatus(c, CaseStatus::in_progress, TwoDevices::at("09:00")));
  REQUIRE(Cases(*d.a).setStatus(c, CaseStatus::on_hold, TwoDevices::at("11:00")));
  // Before the case was opened: it did not exist then.
  auto early = Cases(*d.a).setStatus(c, CaseStatus::in_progress, TwoDevices::at("07:00"));
  REQUIRE_FALSE(early);
  CHECK_THAT(early.error().message, Catch::Contains("was open on 2026-01-05T08:00:00Z; in_progress on "
                                                    "2026-01-05T07:00:00Z would be before that"));
  // Legal then, but the 11:00 hold would no longer follow a resolve.
  auto between = Cases(*d.a).setStatus(c, CaseStatus::resolved, TwoDevices::at("10:00"));
  REQUIRE_FALSE(between);
  CHECK_THAT(between.error().message, Catch::Contains("would break its later change to on_hold on 2026-01-05T11:00:00Z"));
}

TEST_CASE("a device this node does not know yet can be installed or moved when forced", "[node]") {
  Fixture f;
  auto install = Catalogue(f.n).installUnit({"PUMP", "NEW-1", "Bakery", "Plant 2"});
  REQUIRE_FALSE(install);
  CHECK_THAT(install.error().message, Catch::Contains("--force"));
  REQUIRE(Catalogue(f.n).installUnit({"PUMP", "NEW-1", "Bakery", "Plant 2", "", "", {}, true}));
  MoveSpec move = serialMove(MoveKind::transfer, "PUMP", "WH1", "WH2", {"NEW-2"});
  CHECK(Stock(f.n).move(move).error().code == Errc::not_found);
  move.force = true;
  REQUIRE(Stock(f.n).move(move));
  auto units = ok(Catalogue(f.n).units());
  REQUIRE(units.size() == 2);
  CHECK(units[0].state == UnitState::installed);
  CHECK(units[1].location == "WH2");
}

TEST_CASE("a count is the balance at its business time, its variance is what the ledger held then", "[node][stock]") {
  Fixture f;
  f.wall_ms = static_cast<std::uint64_t>(*parseTime("2026-02-01", "t"));
  auto day = [](const char* d) { return *parseTime(d, "t"); };
  MoveSpec receipt = qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 10), issue = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 8);
  receipt.at = day("2026-01-01");
  issue.at = day("2026-01-10");
  REQUIRE(Stock(f.n).move(receipt));
  REQUIRE(Stock(f.n).move(issue));
  // Counted 7 on Jan 2: WH1 held 10 then, so 3 were lost; but then the Jan 10 issue of 8 is 1 short.
  const Snapshot before = snapshot(f.n);
  auto refused = Stock(f.n).count({"SEAL", "WH1", 7000, {}, day("2026-01-02")});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::refused);
  CHECK_THAT(refused.error().message, Catch::Contains("a later movement would leave -1 of SEAL at WH1 on 2026-01-10"));
  CHECK(snapshot(f.n) == before);
  const CountPosted counted = ok(Stock(f.n).count({"SEAL", "WH1", 7000, {}, day("2026-01-02"), true}));
  CHECK(counted.variance == -3000);
  CHECK(balance(f.n, "SEAL", "WH1") == "-1");
  const BalanceRow row = ok(Stock(f.n).balances("SEAL", "WH1"))[0];
  CHECK(row.counted_at == day("2026-01-02"));
  CHECK(row.variance == -3000);
  const auto ledger = ok(Stock(f.n).ledger("SEAL", "WH1"));
  REQUIRE(ledger.size() == 3);
  CHECK(ledger[1].counted == 7000);
  CHECK(ledger[1].variance == -3000);
  CHECK(ledger[2].balance == -1000);
  // The ledger survives a rebuild from the op log.
  const Snapshot counted_state = snapshot(f.n);
  REQUIRE(f.n.rebuild());
  CHECK(snapshot(f.n) == counted_state);
}

TEST_CASE("counts and movements from two offline devices merge to the same balance in any order", "[node][stock]") {
  TwoDevices d;
  addCatalogue(*d.a);
  d.receive(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 10));
  exchange(*d.a, *d.b);
  SECTION("a warehouse: B issues 3 at 09:00, A counts 7 at 10:00") {
    MoveSpec issue = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 3);
    issue.at = TwoDevices::at("09:00");
    REQUIRE(Stock(*d.b).move(issue));
    CHECK(ok(Stock(*d.a).count({"SEAL", "WH1", 7000, {}, TwoDevices::at("10:00")})).variance == -3000);  // as A saw it
    exchange(*d.a, *d.b);
    for (Node* n : {d.a.get(), d.b.get()}) {
      CHECK(balance(*n, "SEAL", "WH1") == "7");
      CHECK(ok(Stock(*n).balances("SEAL", "WH1"))[0].variance == 0);  // the count saw the issue
    }
  }
  SECTION("a van: the technician uses 1 at 15:00 offline, the office counts 4 at 16:00") {
    MoveSpec load = qtyMove(MoveKind::transfer, "SEAL", "WH1", "VAN-A", 5);
    load.at = TwoDevices::at("09:00");
    REQUIRE(Stock(*d.a).move(load));
    exchange(*d.a, *d.b);
    d.wall_ms = static_cast<std::uint64_t>(TwoDevices::at("19:00"));
    const std::string c = ok(Cases(*d.a).open({"Bakery", "", "", "", "leak", Priority::normal, TwoDevices::at("14:00")})).number;
    MoveSpec part = qtyMove(MoveKind::consumption, "SEAL", "VAN-A", "", 1);
    part.at = TwoDevices::at("15:00");
    REQUIRE(Cases(*d.a).usePart(c, part));
    REQUIRE(Stock(*d.b).count({"SEAL", "VAN-A", 4000, {}, TwoDevices::at("16:00")}));
    exchange(*d.a, *d.b);  // the technician syncs at 19:00
    for (Node* n : {d.a.get(), d.b.get()}) {
      CHECK(balance(*n, "SEAL", "VAN-A") == "4");
      CHECK(ok(Stock(*n).balances("SEAL", "VAN-A"))[0].variance == 0);  // no loss
    }
  }
  CHECK(*d.a->exportJson() == *d.b->exportJson());
}

TEST_CASE("failed attempts recorded offline on two devices all count once merged, and the limit holds",
          "[node][shipment]") {
  TwoDevices d;  // a: the driver's phone, b: the warehouse
  addCatalogue(*d.a);
  d.receive(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-1"}));
  const std::string s = ok(Shipments(*d.a).create("Bakery", "", "WH1")).number;
  REQUIRE(Shipments(*d.a).addLine(s, "PUMP", {}, {"SN-1"}, false));
  REQUIRE(Shipments(*d.a).track(s, {ShipmentStatus::dispatched, TwoDevices::at("08:30")}));
  exchange(*d.a, *d.b);
  // Offline: each records a failed attempt, neither knowing of the other's.
  TrackSpec fail{ShipmentStatus::attempt_failed, TwoDevices::at("09:00")};
  fail.reason = "not_home";
  REQUIRE(Shipments(*d.a).track(s, fail));
  fail.at = TwoDevices::at("09:30");
  fail.reason = "address_wrong";
  REQUIRE(Shipments(*d.b).track(s, fail));
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) CHECK(ok(Shipments(*n).list())[0].attempts == 2);
  REQUIRE(Shipments(*d.a).track(s, {ShipmentStatus::out_for_delivery, TwoDevices::at("10:00")}));
  fail.at = TwoDevices::at("10:30");
  REQUIRE(Shipments(*d.a).track(s, fail));
  CHECK(ok(Shipments(*d.a).list())[0].attempts == 3);
  auto fourth = Shipments(*d.a).track(s, {ShipmentStatus::out_for_delivery, TwoDevices::at("11:00")});
  REQUIRE_FALSE(fourth);
  CHECK_THAT(fourth.error().message, Catch::Contains("3 delivery attempts failed"));
  // A full delivery has no reason: a reason without a refusal is refused.
  TrackSpec deliver{ShipmentStatus::delivered, TwoDevices::at("11:00"), "J. Doe", "sha256:9f2c"};
  deliver.reason = "damaged";
  deliver.force = true;
  auto reasoned = Shipments(*d.a).track(s, deliver);
  REQUIRE_FALSE(reasoned);
  CHECK(reasoned.error().code == Errc::invalid_input);
  CHECK_THAT(reasoned.error().message, Catch::StartsWith("--reason: a full delivery has no reason"));
  exchange(*d.a, *d.b);
  CHECK(*d.a->exportJson() == *d.b->exportJson());
}

TEST_CASE("an installation is refused for a unit in stock or inside itself, and the latest by business time holds",
          "[node][unit]") {
  TwoDevices d;
  addCatalogue(*d.a);
  Node& n = *d.a;
  REQUIRE(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"P1"})));
  REQUIRE(Catalogue(n).registerUnit({"PUMP", "P2"}));
  REQUIRE(Catalogue(n).registerUnit({"PUMP", "P3"}));
  auto in_stock = Catalogue(n).installUnit({"PUMP", "P1", "Bakery"});
  REQUIRE_FALSE(in_stock);
  CHECK_THAT(in_stock.error().message, Catch::Contains("serial P1 is in stock at WH1") && Catch::Contains("--force"));
  auto itself = Catalogue(n).installUnit({"PUMP", "P2", "Bakery", "", "PUMP", "P2"});
  REQUIRE_FALSE(itself);
  CHECK_THAT(itself.error().message, Catch::StartsWith("--parent-serial: P2 is the unit itself"));
  REQUIRE(Catalogue(n).installUnit({"PUMP", "P3", "Bakery", "", "PUMP", "P2"}));
  auto cycle = Catalogue(n).installUnit({"PUMP", "P2", "Bakery", "", "PUMP", "P3"});
  REQUIRE_FALSE(cycle);
  CHECK_THAT(cycle.error().message, Catch::StartsWith("--parent-serial: P3 is installed in P2"));
  // Installed at Bakery at 10:00; an installation at Other at 09:00 typed in afterwards does not move it.
  REQUIRE(Catalogue(n).installUnit({"PUMP", "P2", "Bakery", "Plant 2", "", "", TwoDevices::at("10:00")}));
  REQUIRE(Catalogue(n).installUnit({"PUMP", "P2", "Other", "", "", "", TwoDevices::at("09:00")}));
  CHECK(ok(Catalogue(n).unitHistory("PUMP", "P2")).unit.customer == "Bakery");
  CHECK(ok(Catalogue(n).unitHistory("PUMP", "P2")).unit.site == "Plant 2");
}

TEST_CASE("a count of zero stays in the balances and the low-stock list, and a forced count shows as forced",
          "[node][stock]") {
  Fixture f;
  f.wall_ms = static_cast<std::uint64_t>(*parseTime("2026-11-29T12:00", "t"));
  REQUIRE(Catalogue(f.n).setItem({"SEAL", {}, {}, 5000}));
  REQUIRE(Stock(f.n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 3)));
  REQUIRE(Stock(f.n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH2", 2)));
  REQUIRE(Stock(f.n).move(qtyMove(MoveKind::issue, "SEAL", "WH2", "", 2)));  // WH2 ran out
  CHECK(ok(Stock(f.n).count({"SEAL", "WH1", 0, {}, {}})).variance == -3000);
  const auto rows = ok(Stock(f.n).balances("SEAL"));
  REQUIRE(rows.size() == 1);  // counted empty: shown with its count; WH2 holds nothing and was never counted
  CHECK(rows[0].location == "WH1");
  CHECK(rows[0].qty == 0);
  CHECK(rows[0].variance == -3000);
  const auto low = ok(Stock(f.n).low());
  REQUIRE(low.size() == 2);  // both are below 5, empty ones first of all
  CHECK(low[0].location == "WH1");
  CHECK(low[1].location == "WH2");
  CHECK_THAT(*f.n.exportJson(), Catch::Contains("\"location\":\"WH1\",\"qty\":0,"));
  REQUIRE(Stock(f.n).count({"SEAL", "WH2", 1000, {}, {}, true}));
  const auto ledger = ok(Stock(f.n).ledger("SEAL", "WH2"));
  REQUIRE(ledger.size() == 3);
  CHECK(ledger[2].forced);
  CHECK_FALSE(ledger[1].forced);
}

TEST_CASE("a part is checked against the case's status when it was used, and a visit is scheduled when it was",
          "[node][case]") {
  TwoDevices d;
  addCatalogue(*d.a);
  MoveSpec load = qtyMove(MoveKind::receipt, "SEAL", "", "VAN-A", 2);
  load.at = TwoDevices::at("01:00");
  REQUIRE(Stock(*d.a).move(load));
  const std::string c = ok(Cases(*d.a).open({"Bakery", "", "", "", "leak", Priority::normal, TwoDevices::at("02:00")})).number;
  SECTION("a part used at 02:45 on a case cancelled at 03:00 is recorded; one at 03:30 is refused") {
    REQUIRE(Cases(*d.a).setStatus(c, CaseStatus::in_progress, TwoDevices::at("02:10")));
    REQUIRE(Cases(*d.a).setStatus(c, CaseStatus::cancelled, TwoDevices::at("03:00")));
    MoveSpec part = qtyMove(MoveKind::consumption, "SEAL", "VAN-A", "", 1);
    part.at = TwoDevices::at("02:45");
    REQUIRE(Cases(*d.a).usePart(c, part));
    part.at = TwoDevices::at("03:30");
    auto late = Cases(*d.a).usePart(c, part);
    REQUIRE_FALSE(late);
    CHECK_THAT(late.error().message, Catch::Contains("was cancelled on 2026-01-05T03:30:00Z"));
  }
  SECTION("scheduled at 07:00 for a visit at 08:00, started at 08:05, all typed in afterwards") {
    REQUIRE(Cases(*d.a).schedule(c, "alice", TwoDevices::at("08:00"), TwoDevices::at("09:00"), TwoDevices::at("07:00")));
    REQUIRE(Cases(*d.a).setStatus(c, CaseStatus::in_progress, TwoDevices::at("08:05")));
    CHECK(ok(Cases(*d.a).show(c)).summary.status == CaseStatus::in_progress);
  }
}

TEST_CASE("a count of serials finds some: the others the ledger had there are missing from then on", "[node][stock]") {
  TwoDevices d;
  addCatalogue(*d.a);
  d.receive(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"S1", "S2", "S3"}));
  auto state = [](Node& n, const char* serial) { return ok(Catalogue(n).unitHistory("PUMP", serial)).unit; };
  SECTION("one device") {
    const CountPosted c = ok(Stock(*d.a).count({"PUMP", "WH1", {}, {"s1", "S2"}, TwoDevices::at("10:00")}));
    CHECK(c.counted == 2000);
    CHECK(c.variance == -1000);
    CHECK(c.missing == std::vector<std::string>{"S3"});
    CHECK(balance(*d.a, "PUMP", "WH1") == "2");
    CHECK(state(*d.a, "S3").state == UnitState::missing);
    CHECK(state(*d.a, "S1").location == "WH1");
    const auto history = ok(Catalogue(*d.a).unitHistory("PUMP", "S3")).events;
    REQUIRE(history.size() == 2);
    CHECK(history[1].detail == "not found at WH1 (" + c.number + ")");
    // It is not at WH1 by the ledger any more: moving it out is refused.
    auto moved = Stock(*d.a).move(serialMove(MoveKind::transfer, "PUMP", "WH1", "WH2", {"S3"}));
    REQUIRE_FALSE(moved);
    CHECK_THAT(moved.error().message, Catch::Contains("serial S3 is missing since a count on 2026-01-05T10:00"));
    // Found at the next count: at WH1 again.
    const CountPosted again = ok(Stock(*d.a).count({"PUMP", "WH1", {}, {"S1", "S2", "S3"}, TwoDevices::at("11:00")}));
    CHECK(again.variance == 1000);
    CHECK(again.missing.empty());
    CHECK(state(*d.a, "S3").location == "WH1");
    CHECK(balance(*d.a, "PUMP", "WH1") == "3");
    // None found: --qty 0.
    const CountPosted none = ok(Stock(*d.a).count({"PUMP", "WH1", 0, {}, TwoDevices::at("12:00")}));
    CHECK(none.missing == std::vector<std::string>{"S1", "S2", "S3"});
    CHECK(balance(*d.a, "PUMP", "WH1") == "0");
    auto bad = Stock(*d.a).count({"PUMP", "WH1", 2000, {}, TwoDevices::at("12:00")});
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::StartsWith("--serial"));
    const Snapshot counted = snapshot(*d.a);
    REQUIRE(d.a->rebuild());
    CHECK(snapshot(*d.a) == counted);
  }
  SECTION("a serial found where the ledger does not have it is refused unless forced") {
    REQUIRE(Stock(*d.a).move(serialMove(MoveKind::receipt, "PUMP", "", "WH2", {"S4"})));
    auto refused = Stock(*d.a).count({"PUMP", "WH1", {}, {"S1", "S2", "S3", "S4"}, {}});
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("serial S4 was at WH2") && Catch::Contains("--force"));
    REQUIRE(Stock(*d.a).count({"PUMP", "WH1", {}, {"S1", "S2", "S3", "S4"}, {}, true}));
    CHECK(state(*d.a, "S4").location == "WH1");
  }
  SECTION("a serial moved out on another device before the count is not missing once merged") {
    exchange(*d.a, *d.b);
    MoveSpec out = serialMove(MoveKind::transfer, "PUMP", "WH1", "WH2", {"S3"});
    out.at = TwoDevices::at("09:00");
    REQUIRE(Stock(*d.b).move(out));
    CHECK(ok(Stock(*d.a).count({"PUMP", "WH1", {}, {"S1", "S2"}, TwoDevices::at("10:00")})).missing ==
          std::vector<std::string>{"S3"});  // as A saw it
    exchange(*d.a, *d.b);
    for (Node* n : {d.a.get(), d.b.get()}) {
      CHECK(state(*n, "S3").location == "WH2");
      CHECK(balance(*n, "PUMP", "WH1") == "2");
      CHECK(ok(Stock(*n).balances("PUMP", "WH1"))[0].variance == 0);
    }
    CHECK(*d.a->exportJson() == *d.b->exportJson());
  }
  SECTION("a serial moved in on another device before the count, and not found, is missing once merged") {
    exchange(*d.a, *d.b);
    MoveSpec in = serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"S5"});
    in.at = TwoDevices::at("09:00");
    REQUIRE(Stock(*d.b).move(in));
    REQUIRE(Stock(*d.a).count({"PUMP", "WH1", {}, {"S1", "S2", "S3"}, TwoDevices::at("10:00")}));
    exchange(*d.a, *d.b);
    for (Node* n : {d.a.get(), d.b.get()}) {
      CHECK(state(*n, "S5").state == UnitState::missing);
      CHECK(balance(*n, "PUMP", "WH1") == "3");
      CHECK(ok(Stock(*n).balances("PUMP", "WH1"))[0].variance == -1000);
    }
    CHECK(*d.a->exportJson() == *d.b->exportJson());
  }
}

TEST_CASE("customers and sites are entities: spelled any way they are one, unknown ones are refused, and a "
          "customer's history is one command", "[node][customer]") {
  TwoDevices d;  // a: the office, b: a supervisor's laptop
  addCatalogue(*d.a);
  exchange(*d.a, *d.b);
  // Offline, both add the same new customer, spelled differently.
  REQUIRE(Customers(*d.a).add({"Harbour Café", "", "Anna Berg", "+358 40 1", ""}));
  REQUIRE(Customers(*d.b).add({" harbour CAFÉ ", "Harbour Café Oy", "", "", ""}));
  REQUIRE(Customers(*d.b).addSite({"HARBOUR CAFÉ", "Pier 1", "Harbour 1, Oulu"}));
  SECTION("a name no customer has is refused, naming it, and nothing is written") {
    const Snapshot before = snapshot(*d.a);
    auto r = Cases(*d.a).open({"Harbor Cafe", "", "", "", "leak", Priority::normal, {}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::not_found);
    CHECK_THAT(r.error().message, Catch::StartsWith("--customer: 'Harbor Cafe' is not a known customer"));
    auto s = Shipments(*d.b).create("Harbour Café", "Pier 2", "WH1");
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::StartsWith("--site: 'Pier 2' is not a site of"));
    auto site = Customers(*d.a).addSite({"Nobody", "Pier 1", ""});
    REQUIRE_FALSE(site);
    CHECK_THAT(site.error().message, Catch::StartsWith("--customer: 'Nobody' is not a known customer"));
    CHECK(snapshot(*d.a) == before);
  }
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    const auto all = ok(Customers(*n).list());
    CHECK(std::count_if(all.begin(), all.end(), [](const CustomerView& c) {
            return fieldsync::sync::normaliseSerial(c.code) == "HARBOUR CAFÉ";
          }) == 1);
    CHECK(ok(Customers(*n).sites("harbour café")).size() == 1);
    const CustomerView c = ok(Customers(*n).show("harbour café")).customer;
    CHECK(c.contact == "Anna Berg");  // each add wrote what it knew: both survive
    CHECK(c.phone == "+358 40 1");
    CHECK(c.name == "Harbour Café Oy");
  }
  CHECK(*d.a->exportJson() == *d.b->exportJson());
  const std::string code = ok(Customers(*d.a).show("harbour café")).customer.code;  // as the merge spelled it

  // Its history: a pump delivered to its pier, a case reopened once, a failed attempt before the delivery.
  d.receive(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-1"}));
  const auto shipped = ok(Shipments(*d.a).create("HARBOUR café", "pier 1", "WH1"));
  CHECK(shipped.customer == code);  // stored as the customer is spelled
  CHECK(shipped.site == "Pier 1");
  REQUIRE(Shipments(*d.a).addLine(shipped.number, "PUMP", {}, {"SN-1"}, false));
  REQUIRE(Shipments(*d.a).track(shipped.number, {ShipmentStatus::dispatched, TwoDevices::at("09:00")}));
  REQUIRE(Shipments(*d.a).track(shipped.number, {ShipmentStatus::delivered, TwoDevices::at("10:00"), "A. Berg", "sha256:9f2c"}));
  exchange(*d.a, *d.b);
  // A case on the unit is its customer's: another customer named is refused.
  auto other = Cases(*d.b).open({"Bakery", "", "PUMP", "SN-1", "leaks", Priority::high, TwoDevices::at("10:30")});
  REQUIRE_FALSE(other);
  CHECK(other.error().message == "--customer: unit PUMP SN-1 is " + code + "'s; open the case for " + code +
                                     " (or without --customer)");
  const std::string c =
      ok(Cases(*d.b).open({"", "", "PUMP", "SN-1", "leaks", Priority::high, TwoDevices::at("10:30")})).number;
  for (auto [to, at] : {std::pair{CaseStatus::in_progress, "10:45"}, {CaseStatus::resolved, "11:00"},
                        {CaseStatus::reopened, "11:30"}})
    REQUIRE(Cases(*d.b).setStatus(c, to, TwoDevices::at(at)));
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    const CustomerHistory h = ok(Customers(*n).show(" Harbour Café"));
    CHECK(h.units == 1);
    CHECK(h.cases == 1);
    CHECK(h.open_cases == 1);
    CHECK(h.shipments == 1);
    REQUIRE(h.events.size() == 3);
    CHECK(h.events[0].event == "case");  // newest first: opened at 10:30
    CHECK_THAT(h.events[0].detail, Catch::StartsWith(c + " reopened, reopened 1 time at Pier 1: leaks"));
    CHECK(h.events[1].event == "unit");  // delivered at 10:00, and its warranty
    CHECK(h.events[1].detail == "PUMP SN-1 delivered at Pier 1, under warranty until 2028-01-05T10:00:00Z");
    CHECK(h.events[2].event == "shipment");
    CHECK(h.events[2].detail == shipped.number + " delivered to Pier 1, 1 line");
  }
  CHECK(*d.a->exportJson() == *d.b->exportJson());
}

TEST_CASE("customer migrate makes customers and sites of the names records carry as text", "[node][customer]") {
  TwoDevices d;
  addCatalogue(*d.a);
  // Cases as an older version wrote them: free text, spelled two ways (raw register writes).
  std::vector<Node::Write> old;
  for (const char* name : {"Dairy Farm ", "dairy farm"}) {
    const auto opened = ok(Cases(*d.a).open({"Bakery", "", "", "", "leak", Priority::normal, {}}));
    old.push_back({fieldsync::sync::EntityType::service_case, opened.id,
                   {{case_f::customer, std::string(name)}, {case_f::site, std::string("Barn 2")}}});
  }
  REQUIRE(d.a->writeRegisters(old));
  exchange(*d.a, *d.b);
  const Snapshot before = snapshot(*d.a);
  const auto dry = ok(Customers(*d.a).migrate(true));
  const auto key = [](const std::string& text) { return fieldsync::sync::normaliseSerial(text); };
  REQUIRE(dry.customers.size() == 1);  // spelled as one of the records does
  CHECK(key(dry.customers[0]) == "DAIRY FARM");
  REQUIRE(dry.sites.size() == 1);
  CHECK(dry.sites[0] == std::pair{dry.customers[0], std::string("Barn 2")});
  CHECK(snapshot(*d.a) == before);  // a dry run writes nothing
  // Both devices migrate offline: natural ids, so one customer and one site.
  CHECK(ok(Customers(*d.a).migrate(false)).customers.size() == 1);
  CHECK(ok(Customers(*d.b).migrate(false)).sites.size() == 1);
  CHECK(ok(Customers(*d.a).migrate(false)).customers.empty());  // done once
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    CHECK(ok(Customers(*n).sites("DAIRY FARM")).size() == 1);
    CHECK(ok(Customers(*n).show("Dairy Farm")).cases == 2);  // both spellings are its cases
    CHECK(Cases(*n).open({"dairy farm", "barn 2", "", "", "leak", Priority::normal, {}}));
  }
  exchange(*d.a, *d.b);
  CHECK(*d.a->exportJson() == *d.b->exportJson());
}

TEST_CASE("a shipment line carries the customer's order line, and the serials delivered on it are registered "
          "against it", "[node][shipment][order]") {
  TwoDevices d;  // a: the warehouse, b: the driver, offline at the customer's
  addCatalogue(*d.a);
  d.receive(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"SN-1", "SN-2"}));
  d.receive(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 10));
  const std::string s = ok(Shipments(*d.a).create("Bakery", "Plant 2", "WH1")).number;
  SECTION("a line without its order, or a line number below 1, is refused and writes nothing") {
    const Snapshot before = snapshot(*d.a);
    auto no_order = Shipments(*d.a).addLine(s, "SEAL", 1000, {}, false, {"", 2});
    REQUIRE_FALSE(no_order);
    CHECK(no_order.error().message == "--order: a --line is a line of an order: give --order too");
    auto zero = Shipments(*d.a).addLine(s, "SEAL", 1000, {}, false, {"PO-1234", 0});
    REQUIRE_FALSE(zero);
    CHECK_THAT(zero.error().message, Catch::StartsWith("--line: give the order's line, 1 to"));
    CHECK(snapshot(*d.a) == before);
  }
  CHECK(ok(Shipments(*d.a).addLine(s, "PUMP", {}, {"SN-1"}, false, {"PO-1234", 2})).order.line == 2);
  REQUIRE(Shipments(*d.a).addLine(s, "PUMP", {}, {"SN-2"}, false, {"PO-1234", 3}));
  REQUIRE(Shipments(*d.a).addLine(s, "SEAL", 2000, {}, false));
  REQUIRE(Shipments(*d.a).track(s, {ShipmentStatus::dispatched, TwoDevices::at("09:00")}));
  exchange(*d.a, *d.b);
  TrackSpec deliver{ShipmentStatus::delivered, TwoDevices::at("10:00"), "J. Doe", "sha256:9f2c"};
  deliver.refused = {"SN-2"};
  deliver.reason = "damaged";
  REQUIRE(Shipments(*d.b).track(s, deliver));
  exchange(*d.a, *d.b);
  for (Node* n : {d.a.get(), d.b.get()}) {
    const UnitView one = ok(Catalogue(*n).unitHistory("PUMP", "SN-1")).unit;
    CHECK(one.order == "PO-1234");
    CHECK(one.order_line == 2);
    CHECK(ok(Catalogue(*n).unitHistory("PUMP", "SN-2")).unit.order.empty());  // refused: not delivered on it
    const ShipmentView v = ok(Shipments(*n).show(s));
    REQUIRE(v.lines.size() == 3);
    CHECK(v.lines[0].order.order == "PO-1234");
    CHECK(v.lines[1].order.line == 3);
    CHECK(v.lines[2].order.order.empty());
    const CustomerHistory h = ok(Customers(*n).show("Bakery"));
    CHECK(std::any_of(h.events.begin(), h.events.end(), [](const HistoryEntry& e) {
      return e.detail.find("PUMP SN-1 delivered at Plant 2, order PO-1234 line 2, under warranty") == 0;
    }));
  }
  CHECK(*d.a->exportJson() == *d.b->exportJson());
  CHECK_THAT(*d.a->exportJson(), Catch::Contains("\"order\":\"PO-1234\",\"order_line\":2"));
  // A CSV import of units may carry the order line.
  std::istringstream csv("item,serial,customer,order,order_line\nPUMP,SN-7,Bakery,PO-77,1\nPUMP,SN-8,,PO-77,x\n");
  const ImportSummary sum = ok(Catalogue(*d.a).importUnits(csv));
  CHECK(sum.created == 1);
  REQUIRE(sum.problems.size() == 1);
  CHECK(sum.problems[0] == "line 3: order_line: 'x' is not a line number");
  CHECK(ok(Catalogue(*d.a).unitHistory("PUMP", "SN-7")).unit.order_line == 1);
}

TEST_CASE("stock rules: a threshold set on one device while stock moves on another, negative stock by kind and item",
          "[node][stock_rule]") {
  TwoDevices d;  // a: the office, b: the technician; srv: the server's replica
  auto srv = newNode(d.dir, "srv.db", {[&d] { return d.wall_ms; }});
  addCatalogue(*d.a);
  REQUIRE(Catalogue(*d.a).addLocation({"BENCH", "", LocationKind::repair, "", false, {}}));
  d.receive(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-A", 6));
  exchange(*d.a, *d.b);

  // Refused, naming the option, with nothing written.
  const Snapshot before = snapshot(*d.a);
  auto rule = [](std::string item, std::string location) {
    StockRuleSpec r;
    r.item = std::move(item);
    r.location = std::move(location);
    return r;
  };
  StockRuleSpec bad = rule("SEAL", "");
  bad.low_stock = 4000;
  for (const auto& [spec, message] : std::vector<std::pair<StockRuleSpec, std::string>>{
           {rule("SEAL", "VAN-A"), "stock rule: name what to set: --low-stock or --negative"},
           {bad, "--low-stock: a threshold is for an item at a location"},
           {[&] { auto r = rule("", "VAN-A"); r.allow_negative = true; return r; }(),
            "--negative: for every item at one location use 'location set VAN-A --allow-negative'"},
           {[&] { auto r = rule("", "VAN-A"); r.kind = LocationKind::van; r.allow_negative = true; return r; }(),
            "--kind: a rule is for a location or a kind of location, not both"},
           {[&] { auto r = rule("", ""); r.kind = LocationKind::customer; r.allow_negative = true; return r; }(),
            "--kind: customer locations hold no stock of ours"},
           {[&] { auto r = rule("SEAL", "CUSTOMER"); r.low_stock = 1000; return r; }(),
            "--location: CUSTOMER is a customer location"},
           {[&] { auto r = rule("NOPE", "VAN-A"); r.low_stock = 1000; return r; }(), "item: 'NOPE' is not a known item"},
           {[&] { auto r = rule("SEAL", "VAN-A"); r.low_stock = -1; return r; }(), "--low-stock: must be 0 or more"},
           {[&] { auto r = rule("PUMP", "VAN-A"); r.low_stock = 1500; return r; }(),
            "--low-stock: PUMP is tracked by serial: give a whole number of units"}}) {
    auto refused = Stock(*d.a).setRule(spec);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::StartsWith(message));
  }
  CHECK(snapshot(*d.a) == before);

  // Offline: the office sets SEAL's threshold at VAN-A to 4 (the item's is 5)
  // and one at WH2, where SEAL never was; the technician uses 3 of 6.
  StockRuleSpec van = rule("SEAL", "VAN-A");
  van.low_stock = 4000;
  CHECK(ok(Stock(*d.a).setRule(van)).result == Saved::created);
  CHECK(ok(Stock(*d.a).setRule(van)).result == Saved::unchanged);
  StockRuleSpec wh2 = rule("SEAL", "WH2");
  wh2.low_stock = 2000;
  REQUIRE(Stock(*d.a).setRule(wh2));
  MoveSpec use = qtyMove(MoveKind::issue, "SEAL", "VAN-A", "", 3);
  use.at = TwoDevices::at("09:00");
  REQUIRE(Stock(*d.b).move(use));
  CHECK(ok(Stock(*d.a).low("VAN-A")).empty());  // 6 is not below 4
  CHECK(ok(Stock(*d.b).low("VAN-A")) == std::vector<LowStockRow>{{"SEAL", "VAN-A", 3000, 5000, "item SEAL"}});

  std::size_t pushed_a = 0, pushed_b = 0;
  auto push = [&](Node& from, std::size_t& after) {
    auto ops = ok(from.opsOf(from.nodeId(), after, 1'000'000));
    after += ops.size();
    REQUIRE(srv->applyRemote(ops));
    REQUIRE(Reconciler(*srv).reconcile(ops));
  };
  push(*d.b, pushed_b);
  push(*d.a, pushed_a);
  exchange(*d.a, *d.b);
  const std::vector<LowStockRow> low{{"SEAL", "VAN-A", 3000, 4000, "item SEAL at VAN-A"},
                                     {"SEAL", "WH2", 0, 2000, "item SEAL at WH2"}};
  for (Node* n : {d.a.get(), d.b.get(), srv.get()}) CHECK(ok(Stock(*n).low()) == low);
  // The server watches the thresholds set for a location, not the item's own (every location's).
  std::set<std::string> watched;
  for (const ExceptionRow& r : ok(Exceptions(*srv).list(false))) {
    CHECK(r.kind == "low_stock");
    watched.insert(r.subjects);
  }
  CHECK(watched == std::set<std::string>{"SEAL at VAN-A", "SEAL at WH2"});

  // A repair bench may go below zero, a van may not; an item's rule comes before its kind's.
  StockRuleSpec bench;
  bench.kind = LocationKind::repair;
  bench.allow_negative = true;
  REQUIRE(Stock(*d.a).setRule(bench));
  MoveSpec take = qtyMove(MoveKind::issue, "SEAL", "BENCH", "", 2);
  REQUIRE(Stock(*d.a).move(take));
  CHECK(balance(*d.a, "SEAL", "BENCH") == "-2");
  take.from = "VAN-A";
  take.qty = 5000;
  CHECK(Stock(*d.a).move(take).error().code == Errc::refused);
  StockRuleSpec seal = rule("SEAL", "");
  seal.allow_negative = false;
  REQUIRE(Stock(*d.a).setRule(seal));
  take.from = "BENCH";
  CHECK(Stock(*d.a).move(take).error().code == Errc::refused);
  CHECK(ok(Stock(*d.a).policy("seal", "bench")).negative_rule == "item SEAL");
  CHECK_THAT(Stock(*d.a).policy("SEAL", "SUPPLIER").error().message,
             Catch::StartsWith("LOC: SUPPLIER is a supplier location: it holds no stock of ours"));
  StockRuleSpec here = rule("SEAL", "BENCH");
  here.allow_negative = true;
  REQUIRE(Stock(*d.a).setRule(here));
  const StockPolicyView p = ok(Stock(*d.a).policy("SEAL", "BENCH"));
  CHECK(p.allow_negative);
  CHECK(p.negative_rule == "item SEAL at BENCH");
  CHECK(p.low_stock == 5000);
  CHECK(p.low_stock_rule == "item SEAL");
  here.allow_negative.reset();
  here.clear_allow_negative = true;  // back to the item's rule
  REQUIRE(Stock(*d.a).setRule(here));
  CHECK(ok(Stock(*d.a).policy("SEAL", "BENCH")).negative_rule == "item SEAL");

  // Offline, the technician takes 9 from VAN-A (forced). Merged: the van
  // is below zero, and so is the bench, now that SEAL's rule denies it there.
  take.force = true;
  take.from = "VAN-A";
  take.qty = 9000;
  REQUIRE(Stock(*d.b).move(take));
  push(*d.b, pushed_b);
  push(*d.a, pushed_a);
  std::set<std::string> negative;
  for (const ExceptionRow& r : ok(Exceptions(*srv).list(false)))
    if (r.kind == "negative_stock") negative.insert(r.subjects);
  CHECK(negative == std::set<std::string>{"SEAL at BENCH", "SEAL at VAN-A"});
  // Allowed at the bench again: its exception closes by itself.
  here.allow_negative = true;
  REQUIRE(Stock(*d.a).setRule(here));
  push(*d.a, pushed_a);
  negative.clear();
  for (const ExceptionRow& r : ok(Exceptions(*srv).list(false)))
    if (r.kind == "negative_stock") negative.insert(r.subjects);
  CHECK(negative == std::set<std::string>{"SEAL at VAN-A"});
  const auto raised = ok(srv->opsOf(srv->nodeId(), 0, 1000));
  REQUIRE(d.a->applyRemote(raised));
  REQUIRE(d.b->applyRemote(raised));
  exchange(*d.a, *d.b);
  CHECK(*d.a->exportJson() == *d.b->exportJson());
  CHECK_THAT(*d.a->exportJson(),
             Catch::Contains("\"stock_rules\":[{\"item\":\"\",\"location\":\"\",\"kind\":\"repair\",\"allow_negative\":true},"));
}

TEST_CASE("visits: steps recorded offline on two devices fold by business time, a follow-up keeps the case open",
          "[node][visit]") {
  TwoDevices d;  // a: the technician's tablet, b: the office
  const std::string c =
      ok(Cases(*d.a).open({"Bakery", "", "", "", "leak", Priority::normal, TwoDevices::at("07:00")})).number;
  const VisitScheduled v = ok(Cases(*d.a).schedule(c, "alice", TwoDevices::at("09:00"), TwoDevices::at("11:00"),
                                                    TwoDevices::at("07:10")));
  const VisitScheduled later = ok(Cases(*d.a).schedule(c, "Alice", TwoDevices::at("13:00"), TwoDevices::at("14:00"),
                                                        TwoDevices::at("07:20")));
  CHECK_THAT(v.number, Catch::StartsWith("V-"));
  exchange(*d.a, *d.b);
  auto step = [](VisitStatus to, const char* hhmm) {
    VisitStep s;
    s.to = to;
    s.at = TwoDevices::at(hhmm);
    return s;
  };
  // Refused, naming what is wrong, with nothing written.
  const Snapshot before = snapshot(*d.a);
  VisitStep no_reason = step(VisitStatus::cannot_complete, "10:00");
  CHECK_THAT(Visits(*d.a).step(v.number, no_reason).error().message,
             Catch::StartsWith("--reason: say why the visit cannot complete"));
  VisitStep reason = step(VisitStatus::travelling, "08:30");
  reason.reason = "traffic";
  CHECK_THAT(Visits(*d.a).step(v.number, reason).error().message, Catch::StartsWith("--reason: only a visit that cannot"));
  auto early = Visits(*d.a).step(v.number, step(VisitStatus::completed, "09:00"));
  CHECK(early.error().code == Errc::refused);
  CHECK_THAT(early.error().message, Catch::Contains("cannot go from scheduled to completed") &&
                                        Catch::Contains("allowed next: travelling, on_site, cannot_complete"));
  CHECK(Visits(*d.a).step("V-nope", step(VisitStatus::on_site, "09:00")).error().code == Errc::not_found);
  VisitStep alone = step(VisitStatus::cannot_complete, "10:00");
  alone.reason = "no access";
  alone.follow_up_technician = "bob";
  CHECK_THAT(Visits(*d.a).step(v.number, alone).error().message, Catch::StartsWith("--technician: names the follow-up's"));
  CHECK(snapshot(*d.a) == before);
  // A step told later, dated before one already recorded, fits the history.
  REQUIRE(Visits(*d.a).step(later.number, step(VisitStatus::on_site, "11:55")));
  CHECK(ok(Visits(*d.a).step(later.number, step(VisitStatus::travelling, "11:40"))).visit.status == VisitStatus::on_site);

  // Offline: the tablet records travelling at 08:30 and, at 10:30, that the
  // visit cannot complete (a part is missing), with a follow-up the next
  // day; the office, told by phone, records her arrival at 09:40.
  REQUIRE(Visits(*d.a).step(v.number, step(VisitStatus::travelling, "08:30")));
  VisitStep fail = step(VisitStatus::cannot_complete, "10:30");
  fail.reason = "part missing";
  fail.follow_up_from = *parseTime("2026-01-06T09:00", "t");
  fail.follow_up_to = *parseTime("2026-01-06T10:00", "t");
  const VisitStepped failed = ok(Visits(*d.a).step(v.number, fail));
  REQUIRE(failed.follow_up);
  CHECK(failed.follow_up->technician == "alice");
  REQUIRE(Visits(*d.b).step(v.number, step(VisitStatus::on_site, "09:40")));
  exchange(*d.a, *d.b);

  for (Node* n : {d.a.get(), d.b.get()}) {
    const auto day = ok(Visits(*n).list("ALICE", *parseTime("2026-01-05", "t")));
    REQUIRE(day.size() == 2);  // in time order; the follow-up is the next day's
    CHECK(day[0].visit == v.number);
    CHECK(day[0].status == VisitStatus::cannot_complete);
    CHECK(day[0].reason == "part missing");
    CHECK(day[0].anomalies == 0);  // travelling, on_site, cannot_complete: legal once merged
    CHECK(day[1].visit == later.number);
    CHECK(day[1].status == VisitStatus::on_site);
    const auto next = ok(Visits(*n).list("alice", *parseTime("2026-01-06", "t")));
    REQUIRE(next.size() == 1);
    CHECK(next[0].follow_up_of == v.number);
    CHECK(next[0].case_number == c);
    CHECK(next[0].customer == "Bakery");
    CHECK(ok(Cases(*n).show(c)).summary.status == CaseStatus::scheduled);  // the case stays open
  }
  CHECK(*d.a->exportJson() == *d.b->exportJson());
  CHECK_THAT(*d.a->exportJson(), Catch::Contains("\"status\":\"cannot_complete\",\"reason\":\"part missing\""));
  // After cannot_complete nothing more: completed is refused, or forced and counted as an anomaly.
  auto done = Visits(*d.b).step(v.number, step(VisitStatus::completed, "11:00"));
  CHECK(done.error().code == Errc::refused);
  VisitStep forced = step(VisitStatus::completed, "11:00");
  forced.force = true;
  CHECK(ok(Visits(*d.b).step(v.number, forced)).visit.anomalies == 1);
}
