// Business rules that only the merge can break: each check is made to fail
// by two nodes working offline, neither of which could see it alone.
#include <catch2/catch.hpp>

#include "server/server_fixture.h"

using namespace fieldsync::test;

namespace {

// The server, two field devices and a supervisor's node, all on one catalogue.
struct Field {
  TestServer s;
  TempDir dir;
  Device a{s, dir, "a.db", "technician"}, b{s, dir, "b.db", "technician"}, sup{s, dir, "sup.db", "supervisor"};

  Field() {
    addCatalogue(*a.node);
    REQUIRE(a.node->addLocation({"VAN-B", "", LocationKind::van, "bob", false}));
    syncAll();
  }
  void syncAll() {
    for (int pass = 0; pass < 2; ++pass)
      for (Device* d : {&a, &b, &sup}) {
        auto r = d->sync();
        INFO((r ? "" : r.error().message));
        REQUIRE(r);
      }
  }
  // The one open exception of `kind`, the same on the server and on the
  // supervisor's node; its number.
  std::string onlyException(const std::string& kind, const std::string& subjects) {
    auto on_server = s.server->exceptions(false);
    auto on_sup = sup.node->exceptions(false);
    REQUIRE(on_server);
    REQUIRE(on_sup);
    CHECK(toJson(*on_server) == toJson(*on_sup));
    std::vector<std::string> found;
    for (const auto& row : on_server->rows)
      if (cellText(row[1]) == kind) {
        CHECK(cellText(row[3]) == subjects);
        found.push_back(cellText(row[0]));
      }
    REQUIRE(found.size() == 1);
    return found[0];
  }
  // Resolves on the supervisor's node and checks it is resolved everywhere.
  void resolve(const std::string& number, std::optional<std::int64_t> adjust = {}, std::string transfer_from = {}) {
    REQUIRE(sup.node->resolveException(number, {"checked on site", adjust, std::move(transfer_from)}));
    syncAll();
    for (Node* n : {a.node.get(), b.node.get(), sup.node.get()}) {
      auto open = n->exceptions(false);
      REQUIRE(open);
      for (const auto& row : open->rows) CHECK(cellText(row[0]) != number);
    }
    auto on_server = s.server->exceptions(false);
    REQUIRE(on_server);
    for (const auto& row : on_server->rows) CHECK(cellText(row[0]) != number);
    // Every fact either device recorded is still there: the server holds
    // all their ops, and every replica has the same facts and registers.
    checkConverged(s, a, b);
    CHECK(*s.server->exportJson() == exportOf(*sup.node));
    for (Node* n : {a.node.get(), b.node.get(), sup.node.get()}) CHECK(*n->digest() == *s.server->digest());
  }
  // One more forced issue of SEAL from WH1, on b: a new shortfall there.
  void shortAgain() {
    MoveSpec again = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1);
    again.force = true;
    REQUIRE(b.node->moveStock(again));
    syncAll();
  }
};

}  // namespace

TEST_CASE("two technicians who use the last unit offline make one negative-stock exception", "[server][reconcile]") {
  Field f;
  REQUIRE(f.a.node->moveStock(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1)));
  f.syncAll();
  REQUIRE(f.a.node->moveStock(qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1)));  // each is fine alone
  REQUIRE(f.b.node->moveStock(qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1)));
  f.syncAll();
  const std::string x = f.onlyException("negative_stock", "SEAL at WH1");
  f.syncAll();  // checking again never duplicates it
  CHECK(f.onlyException("negative_stock", "SEAL at WH1") == x);
  f.resolve(x, 1000);
  CHECK(balance(*f.a.node, "SEAL", "WH1") == "0");  // both issues stand, plus the adjustment
  auto moves = f.a.node->opCount();
  REQUIRE(moves);

  SECTION("a resolved exception stays resolved until new facts break the rule again") {
    f.syncAll();
    CHECK(f.s.server->exceptions(false)->rows.empty());
    f.shortAgain();
    CHECK(f.onlyException("negative_stock", "SEAL at WH1") == x);
  }
}

TEST_CASE("a shortfall resolved by a retroactive transfer from where the stock really came", "[server][reconcile]") {
  Field f;
  for (auto [loc, qty] : {std::pair{"WH1", 1}, {"WH2", 5}}) {
    MoveSpec receipt = qtyMove(MoveKind::receipt, "SEAL", "", loc, qty);
    receipt.at = *parseTime("2026-03-01", "t");
    REQUIRE(f.a.node->moveStock(receipt));
  }
  f.syncAll();
  MoveSpec first = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1), second = first;
  first.at = *parseTime("2026-03-02T10:00:00Z", "t");
  second.at = *parseTime("2026-03-02T11:00:00Z", "t");
  REQUIRE(f.a.node->moveStock(first));
  REQUIRE(f.b.node->moveStock(second));
  f.syncAll();
  const std::string x = f.onlyException("negative_stock", "SEAL at WH1");

  using Resolution = Node::Resolution;
  auto refused = [&](const Resolution& how) {
    auto r = f.sup.node->resolveException(x, how);
    REQUIRE(!r);
    return r.error().message;
  };
  const Snapshot before = snapshot(*f.sup.node);
  CHECK_THAT(refused({"x", 1000, "WH2"}), Catch::Contains("choose one"));
  CHECK_THAT(refused({"x", {}, "WH1"}), Catch::Contains("the exception's own location"));
  CHECK_THAT(refused({"x", {}, "NOWHERE"}), Catch::Contains("NOWHERE"));
  CHECK(snapshot(*f.sup.node) == before);

  // Dated just before the second issue, the first to go below zero.
  CHECK(cell(f.sup.node->resolveException(x, {"the kit came from WH2", {}, "WH2"}), "at") == "2026-03-02T10:59:59Z");
  f.resolve(x);  // again: it syncs everywhere
  CHECK(balance(*f.a.node, "SEAL", "WH1") == "0");  // both issues stand
  CHECK(balance(*f.a.node, "SEAL", "WH2") == "4");
  // Dated before the first issue, the transfer means WH1 never went below
  // zero, and WH2 had the stock: nothing is open anywhere.
  f.syncAll();
  CHECK(f.s.server->exceptions(false)->rows.empty());
  CHECK(f.sup.node->exceptions(false)->rows.empty());

  SECTION("a new shortfall after it reopens the same exception") {
    f.shortAgain();
    CHECK(f.onlyException("negative_stock", "SEAL at WH1") == x);
  }
}

TEST_CASE("a back-dated receipt that covers the shortfall closes the exception by itself", "[server][reconcile]") {
  Field f;
  MoveSpec issue = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 2);
  issue.force = true;
  issue.at = *parseTime("2026-01-10", "t");
  REQUIRE(f.a.node->moveStock(issue));
  f.syncAll();
  f.onlyException("negative_stock", "SEAL at WH1");
  MoveSpec receipt = qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 2);
  receipt.at = *parseTime("2026-01-09", "t");  // it arrived the day before, recorded late
  REQUIRE(f.b.node->moveStock(receipt));
  f.syncAll();
  CHECK(f.s.server->exceptions(false)->rows.empty());
  CHECK(f.sup.node->exceptions(false)->rows.empty());
}

TEST_CASE("a serial moved from the same place by two nodes is a serial conflict", "[server][reconcile]") {
  Field f;
  REQUIRE(f.a.node->moveStock(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"P-1"})));
  f.syncAll();
  REQUIRE(f.a.node->moveStock(serialMove(MoveKind::transfer, "PUMP", "WH1", "WH2", {"P-1"})));
  REQUIRE(f.b.node->moveStock(serialMove(MoveKind::issue, "PUMP", "WH1", "", {"P-1"})));
  f.syncAll();
  const std::string x = f.onlyException("serial_conflict", "PUMP P-1");
  CHECK(f.s.server->exceptions(false)->rows.size() == 2);  // and WH1 went below zero once
  f.resolve(x);
}

TEST_CASE("completed on one tablet and cancelled on another is a case conflict", "[server][reconcile]") {
  Field f;
  const std::string c = cell(f.a.node->openCase({"Bakery", "", "", "", "leak", Priority::normal, {}}), "case");
  REQUIRE(f.a.node->setCaseStatus(c, CaseStatus::in_progress, {}));
  f.syncAll();
  REQUIRE(f.a.node->setCaseStatus(c, CaseStatus::resolved, {}));
  REQUIRE(f.b.node->setCaseStatus(c, CaseStatus::cancelled, {}));
  f.syncAll();
  const std::string x = f.onlyException("case_conflict", "case " + c);
  auto shown = f.sup.node->showException(x);
  REQUIRE(shown);
  CHECK_THAT(cellText(shown->rows[4][1]), Catch::Contains("cancelled"));
  f.resolve(x);
}

TEST_CASE("a part used after the case was closed elsewhere is a case conflict", "[server][reconcile]") {
  Field f;
  REQUIRE(f.b.node->moveStock(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-B", 2)));
  const std::string c = cell(f.a.node->openCase({"Bakery", "", "", "", "leak", Priority::normal, {}}), "case");
  REQUIRE(f.a.node->setCaseStatus(c, CaseStatus::in_progress, {}));
  f.syncAll();
  const auto now = static_cast<std::int64_t>(fieldsync::sync::Hlc::systemClock()());
  REQUIRE(f.a.node->setCaseStatus(c, CaseStatus::cancelled, now + 60'000));  // the office cancels at 10:01
  MoveSpec part = qtyMove(MoveKind::consumption, "SEAL", "VAN-B", "", 1);
  part.at = now + 120'000;  // bob, offline, fits a seal at 10:02
  REQUIRE(f.b.node->usePart(c, part));
  f.syncAll();
  f.resolve(f.onlyException("case_conflict", "case " + c));
}

TEST_CASE("a shipment cancelled on one device after it was dispatched on another is a shipment conflict",
          "[server][reconcile]") {
  Field f;
  REQUIRE(f.a.node->moveStock(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 5)));
  const std::string sh = cell(f.a.node->createShipment("Bakery", "", "WH1"), "shipment");
  REQUIRE(f.a.node->addShipmentLine(sh, "SEAL", 1000, {}, false));
  f.syncAll();
  REQUIRE(f.a.node->track(sh, {ShipmentStatus::dispatched}));
  REQUIRE(f.b.node->track(sh, {ShipmentStatus::cancelled}));
  f.syncAll();
  f.resolve(f.onlyException("shipment_conflict", "shipment " + sh));
}

TEST_CASE("a part taken from a van that is not the visiting technician's is flagged", "[server][reconcile]") {
  Field f;
  REQUIRE(f.b.node->moveStock(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-B", 2)));
  const std::string c = cell(f.a.node->openCase({"Bakery", "", "", "", "leak", Priority::normal, {}}), "case");
  f.syncAll();
  REQUIRE(f.a.node->scheduleVisit(c, "alice", 1000, 2000));                         // the office sends alice
  REQUIRE(f.b.node->usePart(c, qtyMove(MoveKind::consumption, "SEAL", "VAN-B", "", 1)));  // bob's van
  f.syncAll();
  f.resolve(f.onlyException("van_mismatch", "case " + c + ", van VAN-B"));
}

TEST_CASE("ops from a device whose clock is hours ahead are applied and flagged", "[server][reconcile]") {
  Field f;
  const bool generous = GENERATE(false, true);  // a bound above the device's three hours: not flagged
  if (generous) f.s.server->setMaxClockAhead(4 * 3'600'000);
  const std::string path = f.dir.file("skewed.db");
  {
    auto skewed = Node::init(path, "ACME Service", [] {
      return fieldsync::sync::Hlc::systemClock()() + 3 * 3'600'000;  // three hours ahead
    });
    REQUIRE(skewed);
  }
  REQUIRE(fieldsync::node::enroll(path, f.s.ticket("driver")));
  auto n = Node::open(path, [] { return fieldsync::sync::Hlc::systemClock()() + 3 * 3'600'000; });
  REQUIRE(n);
  auto session = fieldsync::node::SyncSession::connect(**n, path);
  REQUIRE(session);
  REQUIRE((*session)->round());
  (*session)->close();
  f.syncAll();
  if (generous) {
    CHECK(f.s.server->exceptions(true)->rows.empty());
    CHECK(*f.sup.node->exportJson() == exportOf(**n));
    return;
  }
  const std::string x = f.onlyException("clock_skew", "device " + (*n)->nodeId().hex() + " (north/driver)");
  // Sync never stops for a bad clock: every op the device made was taken and merged.
  auto devices = f.s.server->devices();
  REQUIRE(devices);
  bool found = false;
  for (const auto& row : devices->rows)
    if (cellText(row[0]) == (*n)->nodeId().hex()) {
      found = true;
      CHECK(cellText(row[6]) == std::to_string(*(*n)->ownSeq()));
    }
  CHECK(found);
  CHECK(*f.sup.node->exportJson() == exportOf(**n));
  f.resolve(x);
}

TEST_CASE("one serial registered offline by two nodes with different build codes is flagged once",
          "[server][reconcile]") {
  Field f;
  REQUIRE(f.a.node->registerUnit({"PUMP", "SN-9", "B1", "Bakery"}));
  REQUIRE(f.b.node->registerUnit({"PUMP", " sn-9", "B2", "Bakery"}));  // the same unit, a different plate reading
  f.syncAll();
  const std::string x = f.onlyException("duplicate_registration", "PUMP SN-9");
  auto units = f.a.node->units();
  REQUIRE(units);
  CHECK(units->rows.size() == 1);  // one unit, not two rows
  f.resolve(x);

  SECTION("agreeing registrations are not a conflict") {
    REQUIRE(f.a.node->registerUnit({"PUMP", "SN-10", "B1"}));
    REQUIRE(f.b.node->registerUnit({"PUMP", "SN-10", "B1"}));
    f.syncAll();
    CHECK(f.s.server->exceptions(false)->rows.empty());
  }
}

TEST_CASE("goods received twice from transit, or never, are transit not conserved", "[server][reconcile]") {
  Field f;
  REQUIRE(f.a.node->moveStock(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 5)));
  const std::string doc = cell(f.a.node->moveStock(qtyMove(MoveKind::transit_out, "SEAL", "WH1", "", 2)), "doc");
  f.syncAll();

  SECTION("two nodes each record the arrival") {
    REQUIRE(f.a.node->arrive(doc, "WH2", {}));
    REQUIRE(f.b.node->arrive(doc, "WH2", {}));
    f.syncAll();
    f.resolve(f.onlyException("transit_not_conserved", "transfer " + doc));
  }
  SECTION("nothing arrives in time") {
    CHECK(f.s.server->exceptions(false)->rows.empty());  // in transit, not late yet
    // The server's sweep makes this call on its replica every 10 minutes;
    // any replica can, and with a bound of 0 the goods are late already.
    REQUIRE(f.sup.node->reconcileTransit(0));
    f.syncAll();
    f.onlyException("transit_not_conserved", "transfer " + doc);
    REQUIRE(f.b.node->arrive(doc, "WH2", {}));         // then it arrives
    f.syncAll();
    CHECK(f.s.server->exceptions(false)->rows.empty());  // the server closed it by itself
  }
}
