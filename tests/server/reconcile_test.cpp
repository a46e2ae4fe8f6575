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
  Device a{s, dir, "a.db", "admin"}, b{s, dir, "b.db", "admin"}, sup{s, dir, "sup.db", "admin"};

  Field() {
    addCatalogue(*a.node);
    REQUIRE(Catalogue(*a.node).addLocation({"VAN-B", "", LocationKind::van, "bob", false, {}}));
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
    auto on_sup = Exceptions(*sup.node).list(false);
    REQUIRE(on_server);
    REQUIRE(on_sup);
    CHECK(*on_server == *on_sup);
    std::vector<std::string> found;
    for (const auto& row : *on_server)
      if (row.kind == kind) {
        CHECK(row.subjects == subjects);
        found.push_back(row.number);
      }
    REQUIRE(found.size() == 1);
    return found[0];
  }
  // Resolves on the supervisor's node and checks it is resolved everywhere.
  void resolve(const std::string& number, std::optional<std::int64_t> adjust = {}, std::string transfer_from = {}) {
    REQUIRE(Exceptions(*sup.node).resolve(number, {"checked on site", adjust, std::move(transfer_from)}));
    syncAll();
    for (Node* n : {a.node.get(), b.node.get(), sup.node.get()}) {
      auto open = Exceptions(*n).list(false);
      REQUIRE(open);
      for (const auto& row : *open) CHECK(row.number != number);
    }
    auto on_server = s.server->exceptions(false);
    REQUIRE(on_server);
    for (const auto& row : *on_server) CHECK(row.number != number);
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
    REQUIRE(Stock(*b.node).move(again));
    syncAll();
  }
};

}  // namespace

TEST_CASE("two technicians who use the last unit offline make one negative-stock exception", "[server][reconcile]") {
  Field f;
  REQUIRE(Stock(*f.a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1)));
  f.syncAll();
  REQUIRE(Stock(*f.a.node).move(qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1)));  // each is fine alone
  REQUIRE(Stock(*f.b.node).move(qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1)));
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
    CHECK(f.s.server->exceptions(false)->empty());
    f.shortAgain();
    CHECK(f.onlyException("negative_stock", "SEAL at WH1") == x);
  }
}

TEST_CASE("a shortfall resolved by a retroactive transfer from where the stock really came", "[server][reconcile]") {
  Field f;
  for (auto [loc, qty] : {std::pair{"WH1", 1}, {"WH2", 5}}) {
    MoveSpec receipt = qtyMove(MoveKind::receipt, "SEAL", "", loc, qty);
    receipt.at = *parseTime("2026-03-01", "t");
    REQUIRE(Stock(*f.a.node).move(receipt));
  }
  f.syncAll();
  MoveSpec first = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1), second = first;
  first.at = *parseTime("2026-03-02T10:00:00Z", "t");
  second.at = *parseTime("2026-03-02T11:00:00Z", "t");
  REQUIRE(Stock(*f.a.node).move(first));
  REQUIRE(Stock(*f.b.node).move(second));
  f.syncAll();
  const std::string x = f.onlyException("negative_stock", "SEAL at WH1");

  auto refused = [&](const Resolution& how) {
    auto r = Exceptions(*f.sup.node).resolve(x, how);
    REQUIRE(!r);
    return r.error().message;
  };
  const Snapshot before = snapshot(*f.sup.node);
  CHECK_THAT(refused({"x", 1000, "WH2"}), Catch::Contains("choose one"));
  CHECK_THAT(refused({"x", {}, "WH1"}), Catch::Contains("the exception's own location"));
  CHECK_THAT(refused({"x", {}, "NOWHERE"}), Catch::Contains("NOWHERE"));
  CHECK_THAT(refused({"x", {}, "TRANSIT"}), Catch::Contains("--transfer-from: TRANSIT is a transit location"));
  CHECK(snapshot(*f.sup.node) == before);

  // Dated just before the second issue, the first to go below zero.
  CHECK(formatTime(ok(Exceptions(*f.sup.node).resolve(x, {"the kit came from WH2", {}, "WH2"})).at.value()) ==
        "2026-03-02T10:59:59Z");
  f.resolve(x);  // again: it syncs everywhere
  // Resolved, it takes no second compensating movement.
  CHECK_THAT(refused({"again", 1000, ""}), Catch::Contains("already resolved"));
  CHECK(balance(*f.a.node, "SEAL", "WH1") == "0");  // both issues stand
  CHECK(balance(*f.a.node, "SEAL", "WH2") == "4");
  // Dated before the first issue, the transfer means WH1 never went below
  // zero, and WH2 had the stock: nothing is open anywhere.
  f.syncAll();
  CHECK(f.s.server->exceptions(false)->empty());
  CHECK(Exceptions(*f.sup.node).list(false)->empty());

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
  REQUIRE(Stock(*f.a.node).move(issue));
  f.syncAll();
  f.onlyException("negative_stock", "SEAL at WH1");
  MoveSpec receipt = qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 2);
  receipt.at = *parseTime("2026-01-09", "t");  // it arrived the day before, recorded late
  REQUIRE(Stock(*f.b.node).move(receipt));
  f.syncAll();
  CHECK(f.s.server->exceptions(false)->empty());
  CHECK(Exceptions(*f.sup.node).list(false)->empty());
}

TEST_CASE("a serial moved from the same place by two nodes is a serial conflict", "[server][reconcile]") {
  Field f;
  REQUIRE(Stock(*f.a.node).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"P-1"})));
  f.syncAll();
  REQUIRE(Stock(*f.a.node).move(serialMove(MoveKind::transfer, "PUMP", "WH1", "WH2", {"P-1"})));
  REQUIRE(Stock(*f.b.node).move(serialMove(MoveKind::issue, "PUMP", "WH1", "", {"P-1"})));
  f.syncAll();
  const std::string x = f.onlyException("serial_conflict", "PUMP P-1");
  CHECK(f.s.server->exceptions(false)->size() == 2);  // and WH1 went below zero once
  f.resolve(x);
}

TEST_CASE("a count that finds a serial where another device moved it from is a serial conflict",
          "[server][reconcile]") {
  // Offline, a moves P-1 from WH1 to WH2 at 10:01; b counts WH1 at 10:02 and finds it there.
  Field f;
  REQUIRE(Stock(*f.a.node).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"P-1", "P-2"})));
  f.syncAll();
  const auto now = static_cast<std::int64_t>(fieldsync::sync::Hlc::systemClock()());
  MoveSpec out = serialMove(MoveKind::transfer, "PUMP", "WH1", "WH2", {"P-1"});
  out.at = now + 60'000;
  REQUIRE(Stock(*f.a.node).move(out));
  const CountPosted count = ok(Stock(*f.b.node).count({"PUMP", "WH1", {}, {"P-1"}, now + 120'000}));
  CHECK(count.missing == std::vector<std::string>{"P-2"});
  f.syncAll();
  const std::string x = f.onlyException("serial_conflict", "PUMP P-1");
  CHECK_THAT(ok(f.s.server->showException(x)).detail,
             Catch::StartsWith(count.number + " found it at WH1 on ") && Catch::EndsWith("while it was at WH2"));
  for (Device* d : {&f.a, &f.sup}) {
    const auto units = ok(Catalogue(*d->node).units());
    REQUIRE(units.size() == 2);
    CHECK(units[0].location == "WH1");  // the count is the latest word on P-1
    CHECK(units[1].state == UnitState::missing);
  }
  f.resolve(x);
}

TEST_CASE("completed on one tablet and cancelled on another is a case conflict", "[server][reconcile]") {
  Field f;
  const std::string c = ok(Cases(*f.a.node).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  REQUIRE(Cases(*f.a.node).setStatus(c, CaseStatus::in_progress, {}));
  f.syncAll();
  REQUIRE(Cases(*f.a.node).setStatus(c, CaseStatus::resolved, {}));
  REQUIRE(Cases(*f.b.node).setStatus(c, CaseStatus::cancelled, {}));
  f.syncAll();
  const std::string x = f.onlyException("case_conflict", "case " + c);
  auto shown = Exceptions(*f.sup.node).show(x);
  REQUIRE(shown);
  CHECK_THAT(shown->detail, Catch::Contains("cancelled"));
  f.resolve(x);
}

TEST_CASE("a part used after the case was closed elsewhere is a case conflict", "[server][reconcile]") {
  Field f;
  REQUIRE(Stock(*f.b.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-B", 2)));
  const std::string c = ok(Cases(*f.a.node).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  REQUIRE(Cases(*f.a.node).setStatus(c, CaseStatus::in_progress, {}));
  f.syncAll();
  const auto now = static_cast<std::int64_t>(fieldsync::sync::Hlc::systemClock()());
  REQUIRE(Cases(*f.a.node).setStatus(c, CaseStatus::cancelled, now + 60'000));  // the office cancels at 10:01
  MoveSpec part = qtyMove(MoveKind::consumption, "SEAL", "VAN-B", "", 1);
  part.at = now + 120'000;  // bob, offline, fits a seal at 10:02
  REQUIRE(Cases(*f.b.node).usePart(c, part));
  f.syncAll();
  f.resolve(f.onlyException("case_conflict", "case " + c));
}

TEST_CASE("a shipment cancelled on one device after it was dispatched on another is a shipment conflict",
          "[server][reconcile]") {
  Field f;
  REQUIRE(Stock(*f.a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 5)));
  const std::string sh = ok(Shipments(*f.a.node).create("Bakery", "", "WH1")).number;
  REQUIRE(Shipments(*f.a.node).addLine(sh, "SEAL", 1000, {}, false));
  f.syncAll();
  REQUIRE(Shipments(*f.a.node).track(sh, {ShipmentStatus::dispatched}));
  REQUIRE(Shipments(*f.b.node).track(sh, {ShipmentStatus::cancelled}));
  f.syncAll();
  f.resolve(f.onlyException("shipment_conflict", "shipment " + sh));
}

TEST_CASE("a part taken from a van that is not the visiting technician's is flagged", "[server][reconcile]") {
  Field f;
  REQUIRE(Stock(*f.b.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-B", 2)));
  const std::string c = ok(Cases(*f.a.node).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  f.syncAll();
  REQUIRE(Cases(*f.a.node).schedule(c, "alice", 1000, 2000));                         // the office sends alice
  REQUIRE(Cases(*f.b.node).usePart(c, qtyMove(MoveKind::consumption, "SEAL", "VAN-B", "", 1)));  // bob's van
  f.syncAll();
  f.resolve(f.onlyException("van_mismatch", "case " + c + ", van VAN-B"));
}

TEST_CASE("a van's parts are judged by who held the van when they were taken", "[server][reconcile]") {
  // Alice fits a part from VAN-A on C2 at 10:01; the office hands the van to
  // bob at 10:02; alice, still offline, fits a part on C1 at 10:03. Only C1's
  // part was taken from a van that was not hers, whenever alice syncs.
  Field f;
  const bool synced_early = GENERATE(false, true);
  REQUIRE(Catalogue(*f.a.node).addLocation({"VAN-A", "", LocationKind::van, "alice", false, {}}));
  REQUIRE(Stock(*f.a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-A", 2)));
  std::string c1, c2;
  for (std::string* c : {&c1, &c2}) {
    *c = ok(Cases(*f.a.node).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
    REQUIRE(Cases(*f.a.node).schedule(*c, "alice", 1000, 2000));
  }
  f.syncAll();
  const auto now = static_cast<std::int64_t>(fieldsync::sync::Hlc::systemClock()());
  MoveSpec part = qtyMove(MoveKind::consumption, "SEAL", "VAN-A", "", 1);
  part.at = now + 60'000;
  REQUIRE(Cases(*f.a.node).usePart(c2, part));
  if (synced_early) {
    f.syncAll();
    auto open = f.s.server->exceptions(false);
    REQUIRE(open);
    CHECK(open->empty());
  }
  REQUIRE(Catalogue(*f.sup.node).setLocation({"VAN-A", {}, "bob", {}, now + 120'000}));
  REQUIRE(f.sup.sync());
  part.at = now + 180'000;
  REQUIRE(Cases(*f.a.node).usePart(c1, part));
  f.syncAll();
  const std::string x = f.onlyException("van_mismatch", "case " + c1 + ", van VAN-A");
  CHECK_THAT(ok(f.s.server->showException(x)).detail,
             Catch::StartsWith("1 part(s) came from VAN-A: ") && Catch::Contains("while it was bob's") &&
                 Catch::EndsWith("the case's visits are alice's"));
  f.resolve(x);
}

TEST_CASE("a technician's name typed differently is the same technician", "[server][reconcile]") {
  Field f;  // VAN-B is bob's
  REQUIRE(Stock(*f.b.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-B", 2)));
  const std::string c = ok(Cases(*f.a.node).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  REQUIRE(Cases(*f.a.node).schedule(c, " Bob\u00a0", 1000, 2000));
  f.syncAll();
  REQUIRE(Cases(*f.b.node).usePart(c, qtyMove(MoveKind::consumption, "SEAL", "VAN-B", "", 1)));
  f.syncAll();
  auto open = f.s.server->exceptions(false);
  REQUIRE(open);
  CHECK(open->empty());
}

TEST_CASE("ops from a device whose clock is hours ahead or behind are applied and flagged", "[server][reconcile]") {
  Field f;
  const bool generous = GENERATE(false, true);  // a bound above the device's three hours: not flagged
  const std::int64_t skew = GENERATE(3 * 3'600'000, -3 * 3'600'000);
  if (generous) f.s.server->setMaxClockSkew(4 * 3'600'000);
  const std::string path = f.dir.file("skewed.db");
  const fieldsync::sync::Hlc::WallClock wall = [skew] {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(fieldsync::sync::Hlc::systemClock()()) + skew);
  };
  REQUIRE(Node::init(path, "ACME Service", {wall}));
  REQUIRE(fieldsync::node::enroll(path, f.s.ticket("driver")));
  auto n = Node::open(path, {wall});
  REQUIRE(n);
  auto session = fieldsync::node::SyncSession::connect(**n, path);
  REQUIRE(session);
  REQUIRE((*session)->round());
  (*session)->close();
  f.syncAll();
  if (generous) {
    CHECK(f.s.server->exceptions(true)->empty());
    CHECK(*f.sup.node->exportJson() == exportOf(**n));
    return;
  }
  const std::string x = f.onlyException("clock_skew", "device " + (*n)->nodeId().hex() + " (north/driver)");
  CHECK_THAT(ok(f.s.server->showException(x)).detail,
             Catch::StartsWith(skew > 0 ? "its clock was 180 minutes ahead of the server's"
                                        : "its clock was 180 minutes behind the server's"));
  // Sync never stops for a bad clock: every op the device made was taken and merged.
  auto devices = f.s.server->devices();
  REQUIRE(devices);
  bool found = false;
  for (const auto& d : *devices)
    if (d.node == (*n)->nodeId()) {
      found = true;
      CHECK(d.ops_received == *(*n)->ownSeq());
    }
  CHECK(found);
  CHECK(*f.sup.node->exportJson() == exportOf(**n));
  f.resolve(x);
}

TEST_CASE("one serial registered offline by two nodes with different build codes is flagged once",
          "[server][reconcile]") {
  Field f;
  REQUIRE(Catalogue(*f.a.node).registerUnit({"PUMP", "SN-9", "B1", "Bakery"}));
  REQUIRE(Catalogue(*f.b.node).registerUnit({"PUMP", " sn-9", "B2", "Bakery"}));  // the same unit, a different plate reading
  f.syncAll();
  const std::string x = f.onlyException("duplicate_registration", "PUMP SN-9");
  auto units = Catalogue(*f.a.node).units();
  REQUIRE(units);
  CHECK(units->size() == 1);  // one unit, not two rows
  f.resolve(x);

  SECTION("agreeing registrations are not a conflict") {
    REQUIRE(Catalogue(*f.a.node).registerUnit({"PUMP", "SN-10", "B1"}));
    REQUIRE(Catalogue(*f.b.node).registerUnit({"PUMP", "SN-10", "B1"}));
    f.syncAll();
    CHECK(f.s.server->exceptions(false)->empty());
  }
}

TEST_CASE("goods received twice from transit, or never, are transit not conserved", "[server][reconcile]") {
  Field f;
  REQUIRE(Stock(*f.a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 5)));
  const std::string doc = ok(Stock(*f.a.node).move(qtyMove(MoveKind::transit_out, "SEAL", "WH1", "", 2))).number;
  f.syncAll();

  SECTION("two nodes each record the arrival") {
    REQUIRE(Stock(*f.a.node).arrive({doc, "WH2"}));
    REQUIRE(Stock(*f.b.node).arrive({doc, "WH2"}));
    f.syncAll();
    f.resolve(f.onlyException("transit_not_conserved", "transfer " + doc));
  }
  SECTION("nothing arrives in time") {
    CHECK(f.s.server->exceptions(false)->empty());  // in transit, not late yet
    // The server's sweep makes this call on its replica every 10 minutes;
    // any replica can, and with a bound of 0 the goods are late already.
    REQUIRE(Reconciler(*f.sup.node).sweepTransit(0));
    f.syncAll();
    f.onlyException("transit_not_conserved", "transfer " + doc);
    REQUIRE(Stock(*f.b.node).arrive({doc, "WH2"}));         // then it arrives
    f.syncAll();
    CHECK(f.s.server->exceptions(false)->empty());  // the server closed it by itself
  }
}

TEST_CASE("an arrival whose serials differ from the dispatch is recorded, and the difference flagged",
          "[server][reconcile]") {
  Field f;
  REQUIRE(Stock(*f.a.node).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"S1", "S2"})));
  const std::string doc = ok(Stock(*f.a.node).move(serialMove(MoveKind::transit_out, "PUMP", "WH1", "", {"S1", "S2"}))).number;
  REQUIRE(Stock(*f.a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 5)));
  f.syncAll();
  // At WH2, S1 and a pump with plate S9 come off the truck; S2 does not.
  ArrivalSpec arrival{doc, "WH2", {"S1", "S9"}};
  auto refused = Stock(*f.b.node).arrive(arrival);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("not a registered unit"));
  arrival.force = true;
  const MovePosted posted = ok(Stock(*f.b.node).arrive(arrival));
  CHECK(posted.serials == 2);
  CHECK(posted.forced);
  CHECK(balance(*f.b.node, "PUMP", "WH2") == "2");
  f.syncAll();
  const std::string x = f.onlyException("transit_not_conserved", "transfer " + doc);
  CHECK_THAT(ok(f.s.server->showException(x)).detail,
             Catch::Contains("PUMP S9 arrived that were never sent; still in transit: 1 PUMP S2"));
  // And, once the bound has passed, S2 that never came.
  REQUIRE(Reconciler(*f.sup.node).sweepTransit(0));
  f.syncAll();
  CHECK_THAT(ok(f.s.server->showException(x)).detail, Catch::Contains("PUMP S2 sent on"));
}

TEST_CASE("a partial arrival of a quantity leaves the rest in transit", "[server][reconcile]") {
  Field f;
  REQUIRE(Stock(*f.a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 5)));
  const std::string doc = ok(Stock(*f.a.node).move(qtyMove(MoveKind::transit_out, "SEAL", "WH1", "", 4))).number;
  f.syncAll();
  ArrivalSpec arrival{doc, "WH2", {}, 3000};
  CHECK(ok(Stock(*f.b.node).arrive(arrival)).qty == 3000);
  CHECK(balance(*f.b.node, "SEAL", "TRANSIT") == "1");
  arrival.qty = 2000;  // only 1 is left in transit
  auto over = Stock(*f.b.node).arrive(arrival);
  REQUIRE_FALSE(over);
  CHECK_THAT(over.error().message, Catch::Contains("has 1 of SEAL in transit, 2 arrived"));
  f.syncAll();
  CHECK(f.s.server->exceptions(false)->empty());  // not late yet
}
