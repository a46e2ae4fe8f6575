// Scopes (docs/scopes.md): each device holds exactly its share of the
// merged state, history follows an entity into a scope and out of the old
// one, and a bootstrap cut short goes on where it stopped.
#include <catch2/catch.hpp>

#include <filesystem>

#include "server/company_fixture.h"
#include "support/proxy.h"

using namespace fieldsync::test;
using fieldsync::sync::Errc;

TEST_CASE("each device holds exactly its scope of the merged state", "[server][scope]") {
  Company co;
  for (Device* d : co.all()) CHECK(exportOf(*d->node) == scopeOf(co.s, *d));
  CHECK(exportOf(*co.office.node) == *co.s.server->exportJson());  // an administrator holds everything
  // What each role holds, by name.
  const std::string alice = exportOf(*co.alice.node), wh = exportOf(*co.wh.node), dan = exportOf(*co.dan.node),
                    south = exportOf(*co.south.node);
  CHECK(alice.find("VAN-B\",\"qty") == std::string::npos);  // the locations, not bob's ledger
  CHECK(alice.find(co.bobs_case) == std::string::npos);
  CHECK(exportOf(*co.bob.node).find(co.bobs_case) != std::string::npos);
  CHECK(wh.find("\"location\":\"WH-S\",\"qty") == std::string::npos);
  CHECK(wh.find("\"location\":\"WH-N\",\"qty") != std::string::npos);
  CHECK(dan.find(co.dans_shipment) != std::string::npos);
  CHECK(dan.find(co.eves_shipment) == std::string::npos);
  CHECK(south.find("\"location\":\"WH-S\",\"qty") != std::string::npos);
  CHECK(south.find("\"location\":\"WH-N\",\"qty") == std::string::npos);
  CHECK(south.find(co.bobs_case) != std::string::npos);  // cases have no branch: every supervisor's
  // A command on what a device does not hold says so.
  auto note = Cases(*co.alice.node).log(co.bobs_case, "x", {});
  REQUIRE_FALSE(note);
  CHECK(note.error().code == Errc::refused);
  CHECK_THAT(note.error().message, Catch::Contains("is not held on this device"));
}

TEST_CASE("reassigning a case moves its history to the new technician and out of the old one's device",
          "[server][scope]") {
  Company co;
  REQUIRE(Cases(*co.bob.node).log(co.bobs_case, "checked the bearings", {}));
  REQUIRE(Cases(*co.bob.node).usePart(co.bobs_case, qtyMove(MoveKind::consumption, "SEAL", "VAN-B", "", 1)));
  REQUIRE(co.bob.sync());
  // The office sends alice instead (a later visit).
  REQUIRE(co.office.sync());
  REQUIRE(Cases(*co.office.node).schedule(co.bobs_case, "alice", 10, 20));
  REQUIRE(co.office.sync());
  REQUIRE(co.alice.sync());
  REQUIRE(co.bob.sync());
  const auto history = ok(Cases(*co.alice.node).show(co.bobs_case));
  CHECK(std::any_of(history.history.begin(), history.history.end(),
                    [](const auto& h) { return h.detail.find("checked the bearings") != std::string::npos; }));
  auto gone = Cases(*co.bob.node).show(co.bobs_case);
  REQUIRE_FALSE(gone);
  CHECK_THAT(gone.error().message, Catch::Contains("is not held on this device"));
  CHECK(balance(*co.bob.node, "SEAL", "VAN-B") == "49");  // his van's ledger stays his
  CHECK(exportOf(*co.alice.node) == scopeOf(co.s, co.alice));
  CHECK(exportOf(*co.bob.node) == scopeOf(co.s, co.bob));
  // Alice works on it now; bob may not.
  CHECK(Cases(*co.alice.node).log(co.bobs_case, "took over", {}));
  CHECK_FALSE(Cases(*co.bob.node).log(co.bobs_case, "still mine?", {}));
}

TEST_CASE("a case a technician opens and hands on before its first sync leaves its device", "[server][scope]") {
  Company co;
  const std::string c = ok(Cases(*co.alice.node).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  const bool self_first = GENERATE(true, false);  // her own visit first, or straight to bob
  if (self_first) REQUIRE(Cases(*co.alice.node).schedule(c, "alice", 1, 2));
  REQUIRE(Cases(*co.alice.node).schedule(c, "bob", 10, 20));
  REQUIRE(co.alice.sync());
  REQUIRE(co.alice.sync());
  CHECK_FALSE(Cases(*co.alice.node).show(c));
  REQUIRE(co.bob.sync());
  CHECK(Cases(*co.bob.node).show(c));
  CHECK(exportOf(*co.alice.node) == scopeOf(co.s, co.alice));
  CHECK(exportOf(*co.bob.node) == scopeOf(co.s, co.bob));
}

TEST_CASE("goods sent into transit by one branch are received by another", "[server][scope]") {
  Company co;
  Device whs(co.s, co.dir, "whs.db", "warehouse", "", "south");
  REQUIRE(whs.sync());
  const std::string doc = ok(Stock(*whs.node).move(qtyMove(MoveKind::transit_out, "SEAL", "WH-S", "TRANSIT", 3))).number;
  REQUIRE(whs.sync());
  REQUIRE(co.wh.sync());  // north's handheld holds the open transfer
  REQUIRE(Stock(*co.wh.node).arrive({doc, "WH-N", {}, {}, {}, {}, false}));
  REQUIRE(co.wh.sync());
  REQUIRE(whs.sync());
  CHECK(balance(*co.wh.node, "SEAL", "WH-N") == "53");
  CHECK(balance(*whs.node, "SEAL", "WH-S") == "47");
  CHECK(ok(co.s.server->exceptions(false)).empty());  // transit conserved
  CHECK(exportOf(*co.wh.node) == scopeOf(co.s, co.wh));
  CHECK(exportOf(*whs.node) == scopeOf(co.s, whs));
}

TEST_CASE("a device drops what leaves its scope but keeps what it has not pushed", "[server][scope]") {
  Company co;
  // Bob works offline on his case while the office hands it to alice.
  REQUIRE(Cases(*co.bob.node).log(co.bobs_case, "offline note", {}));
  REQUIRE(Cases(*co.office.node).schedule(co.bobs_case, "alice", 10, 20));
  REQUIRE(co.office.sync());
  // A modified pull: the scope's drops arrive before bob's push.
  const std::uint64_t own = *co.bob.node->ownSeq();
  REQUIRE(co.bob.node->setSetting("sync.acked", std::to_string(own - 1)));
  REQUIRE(*co.bob.node->dropEntities(std::vector<fieldsync::sync::Id>{co.bobs_case_id}) > 0);
  CHECK(*co.bob.node->ownSeq() == own);  // the unpushed note is still there
  REQUIRE(co.bob.sync());  // and reaches the server (quarantined: the case is alice's now)
  checkHeldOnce(co.s, co.bob);
}

TEST_CASE("a bootstrap cut short completes on the next sync, without starting over", "[server][scope]") {
  Company co;
  constexpr auto kPatient = std::chrono::seconds(120);  // 30,000 entities, under TSan too
  // A catalogue of 30,000 items: several replies' worth.
  std::vector<Node::Write> items;
  for (int i = 0; i < 30'000; ++i)
    items.push_back({fieldsync::sync::EntityType::item, fieldsync::sync::randomId(),
                     {{fieldsync::node::item_f::code, "P-" + std::to_string(i)}}});
  REQUIRE(co.office.node->writeRegisters(items));
  REQUIRE(co.office.sync(kPatient));

  Device fresh(co.s, co.dir, "fresh.db", "technician", "carol"), cut(co.s, co.dir, "cut.db", "technician", "carol");
  auto full = fresh.sync(kPatient);
  REQUIRE(full);
  Proxy proxy(co.s.port);
  cut.pointAt(proxy.port());
  proxy.cutAfterServerFrames(5);  // hello, welcome, push ack, the first pull batch (and the frame count of the handshake)
  CHECK_FALSE(cut.sync(kPatient));
  CHECK(*cut.node->settingNumber("sync.cursor") > 0);  // it has the head already
  const std::uint64_t got_first = *cut.node->opCount();
  CHECK(got_first > 10);
  CHECK(got_first < *fresh.node->opCount());
  proxy.cutAfterServerFrames(1'000'000);
  auto rest = cut.sync(kPatient);
  REQUIRE(rest);
  CHECK(rest->pulled + got_first < full->pulled + 200);  // not again from the start
  CHECK(rest->bytes_in < full->bytes_in);
  CHECK(exportOf(*cut.node) == scopeOf(co.s, cut));
  CHECK(exportOf(*cut.node) == exportOf(*fresh.node));
}

TEST_CASE("a device restored from a backup receives its scope anew", "[server][scope]") {
  Company co;
  REQUIRE(Cases(*co.bob.node).log(co.bobs_case, "bob was here", {}));
  REQUIRE(co.bob.sync());
  auto files = [](const std::string& from, const std::string& to) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(to + suffix);
      if (std::filesystem::exists(from + suffix)) std::filesystem::copy_file(from + suffix, to + suffix);
    }
  };
  const std::string backup = co.dir.file("alice-backup.db");
  co.alice.node.reset();  // closed: the files are the whole database
  files(co.alice.path, backup);
  co.alice.node = ok(Node::open(co.alice.path));
  // Since the backup: bob's case comes to alice, her van goes to bob.
  REQUIRE(Cases(*co.office.node).schedule(co.bobs_case, "alice", 10, 20));
  REQUIRE(Catalogue(*co.office.node).setLocation({"VAN-A", {}, "bob", {}, {}, {}}));
  REQUIRE(co.office.sync());
  REQUIRE(co.alice.sync());
  CHECK(exportOf(*co.alice.node) == scopeOf(co.s, co.alice));
  // The backup comes back: it still holds her van and knows nothing of the case.
  co.alice.node.reset();
  files(backup, co.alice.path);
  co.alice.node = ok(Node::open(co.alice.path));
  REQUIRE(co.alice.sync());
  CHECK(co.s.logged("restored from a backup"));
  CHECK(exportOf(*co.alice.node) == scopeOf(co.s, co.alice));
  const auto history = ok(Cases(*co.alice.node).show(co.bobs_case)).history;
  CHECK(std::any_of(history.begin(), history.end(), [](const auto& h) { return h.detail.find("bob was here") != std::string::npos; }));
  CHECK(balance(*co.alice.node, "SEAL", "VAN-A") == "0");
}

TEST_CASE("a technician who takes a unit back and fits it again sees the warranty of its first delivery",
          "[server][scope]") {
  Company co;
  Node& o = *co.office.node;
  const std::int64_t now = o.now(), hour = 3'600'000;
  REQUIRE(Catalogue(o).addItem({"PUMP", "", true, 365, 0}));
  MoveSpec receipt = serialMove(MoveKind::receipt, "PUMP", "", "WH-N", {"SN-1"});
  receipt.at = now - 4 * hour;
  REQUIRE(Stock(o).move(receipt));
  const std::string s = ok(Shipments(o).create("Bakery", "", "WH-N")).number;
  REQUIRE(Shipments(o).addLine(s, "PUMP", {}, {"SN-1"}, false));
  REQUIRE(Shipments(o).track(s, {ShipmentStatus::dispatched, now - 3 * hour}));
  REQUIRE(Shipments(o).track(s, {ShipmentStatus::delivered, now - 2 * hour, "J. Doe", "sha256:9f2c"}));
  // A case on the unit brings it to alice's tablet.
  const std::string c = ok(Cases(o).open({"", "", "PUMP", "SN-1", "noisy", Priority::normal, {}})).number;
  REQUIRE(Cases(o).schedule(c, "alice", now, now + hour));
  REQUIRE(co.office.sync());
  REQUIRE(co.alice.sync());
  // She takes it back to her van (RMA) and fits it again.
  MoveSpec back = serialMove(MoveKind::customer_return, "PUMP", "", "VAN-A", {"SN-1"});
  back.at = now - hour;
  REQUIRE(Stock(*co.alice.node).move(back));
  MoveSpec again = serialMove(MoveKind::issue, "PUMP", "VAN-A", "", {"SN-1"});
  again.at = now - hour / 2;
  REQUIRE(Stock(*co.alice.node).move(again));
  REQUIRE(co.alice.sync());
  REQUIRE(co.office.sync());
  for (Device* d : {&co.office, &co.alice}) {
    const UnitView u = ok(Catalogue(*d->node).unitHistory("PUMP", "SN-1")).unit;
    REQUIRE(u.warranty_start);
    CHECK(*u.warranty_start == now - 2 * hour);  // not restarted by her issue
  }
  CHECK(exportOf(*co.alice.node) == scopeOf(co.s, co.alice));
}
