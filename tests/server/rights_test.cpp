// Rights and quarantine (docs/scopes.md): two branches and every role. Each
// write outside a device's rights is refused by the node that knows its
// enrollment, and, pushed by a modified client, held by the server: never
// merged, never pulled, raised as one exception, then released or rejected.
#include <catch2/catch.hpp>

#include <set>
#include <tuple>

#include "server/company_fixture.h"
#include "node/periods.h"

using namespace fieldsync::test;
using fieldsync::server::Server;
using fieldsync::sync::Errc;

namespace {

// What the issue's north technician tried, one command each.
struct Try {  // one command outside the rights
  const char* what;
  std::function<fieldsync::sync::Status(Node&)> run;
  std::string rule;
};
MoveSpec adjustment(const char* location, double qty) {
  MoveSpec m = qtyMove(MoveKind::adjustment, "SEAL", location, "LOSS", qty);
  m.reason = "counted";
  return m;
}
// With --force: a device that does not hold a ledger cannot know its stock.
MoveSpec forced(MoveSpec m) {
  m.force = true;
  return m;
}
template <class T>
fieldsync::sync::Status status(Result<T> r) {
  if (r) return {};
  return r.error();
}
std::vector<Try> outsideAlicesRights(const std::string& bobs_case) {
  return {
      {"a transfer out of bob's van", [](Node& n) { return status(Stock(n).move(forced(qtyMove(MoveKind::transfer, "SEAL", "VAN-B", "VAN-A", 1)))); },
       "a technician moves stock only out of its own van: VAN-B is held by bob"},
      {"an issue out of bob's van", [](Node& n) { return status(Stock(n).move(forced(qtyMove(MoveKind::issue, "SEAL", "VAN-B", "", 1)))); },
       "moves stock only out of its own van: VAN-B is held by bob"},
      {"a part from bob's van", [](Node& n) {
         const std::string mine = ok(Cases(n).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
         return status(Cases(n).usePart(mine, forced(qtyMove(MoveKind::consumption, "SEAL", "VAN-B", "", 1))));
       }, "VAN-B is held by bob"},
      {"a receipt of 100 in the south warehouse", [](Node& n) { return status(Stock(n).move(forced(qtyMove(MoveKind::receipt, "SEAL", "", "WH-S", 100)))); },
       "receives stock only into its own van: WH-S is not a van"},
      {"an adjustment of -30 in the south warehouse", [](Node& n) { return status(Stock(n).move(forced(adjustment("WH-S", 30)))); },
       "WH-S is not a van"},
      {"a new catalogue item", [](Node& n) { return status(Catalogue(n).addItem({"GASKET", "", false, 0, 0})); },
       "may not change the catalogue"},
      {"a new customer", [](Node& n) { return status(Customers(n).add({"Harbour Café", "", "", "", ""})); },
       "a technician may not change customers or their sites: only supervisors and administrators do"},
      {"a site of a customer", [](Node& n) { return status(Customers(n).addSite({"Bakery", "Pier 1", ""})); },
       "may not change customers or their sites"},
      {"a threshold for her own van", [](Node& n) {
         StockRuleSpec r;
         r.item = "SEAL";
         r.location = "VAN-A";
         r.low_stock = 1000;
         return status(Stock(n).setRule(r));
       }, "a technician may not set stock rules: only supervisors and administrators do"},
      {"bob's van reassigned to herself", [](Node& n) { return status(Catalogue(n).setLocation({"VAN-B", {}, "alice", {}, {}, {}})); },
       "may not change locations or van assignments"},
      {"a note on bob's case", [bobs_case](Node& n) { return status(Cases(n).log(bobs_case, "mine now", {})); },
       "case: '" + bobs_case + "' is not held on this device: a technician's device holds only its share"},
  };
}

}  // namespace

TEST_CASE("each write outside a device's rights is refused by the node, naming the rule, and writes nothing",
          "[server][rights]") {
  Company co;
  for (const Try& a : outsideAlicesRights(co.bobs_case)) {
    INFO(a.what);
    const auto before = snapshot(*co.alice.node);
    auto r = a.run(*co.alice.node);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::refused);
    CHECK_THAT(r.error().message, Catch::Contains(a.rule));
    if (std::string(a.what) != "a part from bob's van") CHECK(snapshot(*co.alice.node) == before);
  }
  // Within her rights: her van, her own and her assigned cases.
  const std::string mine = ok(Cases(*co.alice.node).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  CHECK(Cases(*co.alice.node).usePart(mine, qtyMove(MoveKind::consumption, "SEAL", "VAN-A", "", 1)));
  CHECK(Stock(*co.alice.node).move(qtyMove(MoveKind::customer_return, "SEAL", "CUSTOMER", "VAN-A", 1)));
  CHECK(Cases(*co.bob.node).log(co.bobs_case, "on my way", {}));

  // The north handheld works at north's locations only.
  CHECK(Stock(*co.wh.node).move(qtyMove(MoveKind::transfer, "SEAL", "WH-N", "VAN-A", 5)));
  auto south = Stock(*co.wh.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH-S", 5));
  REQUIRE_FALSE(south);
  CHECK_THAT(south.error().message, Catch::Contains("a warehouse works only at its branch's locations: WH-S belongs to south"));
  CHECK_FALSE(Catalogue(*co.wh.node).addItem({"GASKET", "", false, 0, 0}));

  // A driver records the tracking of its own shipments only.
  CHECK(Shipments(*co.dan.node).track(co.dans_shipment, {ShipmentStatus::ready, {}, {}, {}, {}, {}, false, {}}));
  auto eves = Shipments(*co.dan.node).track(co.eves_shipment, {ShipmentStatus::ready, {}, {}, {}, {}, {}, false, {}});
  REQUIRE_FALSE(eves);
  CHECK_THAT(eves.error().message, Catch::Contains("'" + co.eves_shipment + "' is not held on this device"));
  CHECK_FALSE(Cases(*co.dan.node).log(co.bobs_case, "x", {}));

  // A supervisor works within its branch.
  auto north_loc = Catalogue(*co.south.node).addLocation({"WH-N2", "", LocationKind::warehouse, "", false, "north"});
  REQUIRE_FALSE(north_loc);
  CHECK_THAT(north_loc.error().message, Catch::Contains("a supervisor works only within its branch: WH-N2 would belong to north"));
  CHECK(Stock(*co.south.node).move(adjustment("WH-S", 1)));
  CHECK_FALSE(Stock(*co.south.node).move(adjustment("WH-N", 1)));
  // ... and may not take another branch's location over by moving it.
  auto takeover = Catalogue(*co.south.node).setLocation({"WH-N", {}, {}, {}, {}, "south"});
  REQUIRE_FALSE(takeover);
  CHECK_THAT(takeover.error().message, Catch::Contains("a supervisor works only within its branch: WH-N belongs to north"));
  auto give_away = Catalogue(*co.south.node).setLocation({"WH-S", {}, {}, {}, {}, "north"});
  REQUIRE_FALSE(give_away);
  CHECK_THAT(give_away.error().message, Catch::Contains("may not move WH-S to another branch or share it"));
  auto share = Catalogue(*co.south.node).setLocation({"WH-S", {}, {}, {}, {}, ""});  // for another to take
  REQUIRE_FALSE(share);
  auto capture = Catalogue(*co.south.node).setLocation({"SUPPLIER", {}, {}, {}, {}, "south"});
  REQUIRE_FALSE(capture);
  CHECK_THAT(capture.error().message, Catch::Contains("may not change SUPPLIER, a location every branch shares"));

  // A period close: a supervisor closes its own branch only; the company's only an administrator.
  for (const auto& [who, branch, rule] : std::vector<std::tuple<Node*, std::string, std::string>>{
           {co.alice.node.get(), "north", "a technician may not close periods"},
           {co.south.node.get(), "north", "a supervisor closes only its own branch's periods: not north"},
           {co.south.node.get(), "", "the whole company's, only administrators do"}}) {
    auto r = Periods(*who).close({branch, "2020-01-31"});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::refused);
    CHECK_THAT(r.error().message, Catch::Contains(rule));
  }
  CHECK(Periods(*co.south.node).close({"south", "2020-01-31"}));

  // What was accepted merges, and everyone converges on it.
  for (Device* d : co.all()) REQUIRE(d->sync());
  for (Device* d : co.all()) REQUIRE(d->sync());
  REQUIRE(co.office.sync());
  CHECK(ok(co.s.server->exceptions(false)).empty());  // nothing quarantined, nothing else wrong
  for (Device* d : co.all()) CHECK(exportOf(*d->node) == scopeOf(co.s, *d));
}

TEST_CASE("units, exceptions and vans are judged by where they are and whose they are", "[server][rights]") {
  Company co;
  Node& o = *co.office.node;
  REQUIRE(Catalogue(o).addItem({"PUMP", "", true, 730, 0}));
  REQUIRE(Stock(o).move(serialMove(MoveKind::receipt, "PUMP", "", "WH-S", {"SN-S1"})));
  REQUIRE(Stock(o).move(serialMove(MoveKind::receipt, "PUMP", "", "VAN-A", {"SN-A1"})));
  MoveSpec short_issue = forced(qtyMove(MoveKind::issue, "SEAL", "WH-N", "", 60));  // WH-N holds 50
  REQUIRE(Stock(o).move(short_issue));
  REQUIRE(co.office.sync());
  for (Device* d : co.all()) REQUIRE(d->sync());

  // A technician installs what is in its van, not what sits in another
  // branch's warehouse; a driver changes only the units of its shipments.
  // Neither device holds SN-S1, so each takes it for a new one it registers
  // (a registration is everyone's); the server knows better for the rest.
  CHECK(Catalogue(*co.alice.node).installUnit({"PUMP", "SN-A1", "Bakery", "", {}, {}, {}, true}));
  REQUIRE(Catalogue(*co.alice.node).installUnit({"PUMP", "SN-S1", "Random", "", {}, {}, {}, true}));
  REQUIRE(co.alice.sync());
  REQUIRE(Catalogue(*co.dan.node).registerUnit({"PUMP", "SN-S1", "B9", "", "", {}}));
  REQUIRE(co.dan.sync());
  std::string details;
  const auto held_before = ok(co.s.server->exceptions(false));
  for (const auto& x : held_before)
    if (x.kind == "quarantined") details += ok(co.s.server->showException(x.number)).detail + "\n";
  CHECK_THAT(details, Catch::Contains("UNIT_EVENT on UNIT): a technician changes only the units it works on (in its "
                                     "van, on its cases): PUMP SN-S1 is not"));
  CHECK_THAT(details, Catch::Contains("a driver changes only the units of its shipments: PUMP SN-S1 is on none of them"));
  CHECK_THAT(details, !Catch::Contains("SN-A1"));

  // A driver dispatches and delivers its shipment offline, in one push: its
  // device holds no warehouse ledger (the server checks the stock), and the
  // unit on its line is its to deliver.
  REQUIRE(Stock(o).move(serialMove(MoveKind::receipt, "PUMP", "", "WH-N", {"SN-D1"})));
  REQUIRE(Shipments(o).addLine(co.dans_shipment, "PUMP", {}, {"SN-D1"}, false));
  REQUIRE(co.office.sync());
  REQUIRE(co.dan.sync());
  REQUIRE(Shipments(*co.dan.node).track(co.dans_shipment, {ShipmentStatus::ready, {}, {}, {}, {}, {}, false, {}}));
  REQUIRE(Shipments(*co.dan.node).track(co.dans_shipment, {ShipmentStatus::dispatched, {}, {}, {}, {}, {}, false, {}}));
  REQUIRE(Shipments(*co.dan.node).track(co.dans_shipment,
                                        {ShipmentStatus::delivered, {}, "J. Doe", "sha256:9f2c", "dock", {}, false}));
  const std::size_t quarantined_before = std::count_if(
      held_before.begin(), held_before.end(), [](const auto& x) { return x.kind == "quarantined"; });
  REQUIRE(co.dan.sync());
  const auto after = ok(co.s.server->exceptions(false));
  CHECK(std::count_if(after.begin(), after.end(), [](const auto& x) { return x.kind == "quarantined"; }) ==
        static_cast<long>(quarantined_before));
  CHECK_THAT(*co.s.server->exportJson(), Catch::Contains("\"serial\":\"SN-D1\",\"build_code\":\"\",\"customer\":\"Bakery\""));
  // A supervisor resolves its own branch's exceptions only.
  REQUIRE(co.south.sync());
  const auto raised = ok(Exceptions(*co.south.node).list(false));
  const auto north = std::find_if(raised.begin(), raised.end(), [](const auto& x) { return x.kind == "negative_stock"; });
  REQUIRE(north != raised.end());
  CHECK(north->subjects == "SEAL at WH-N");
  auto foreign = Exceptions(*co.south.node).resolve(north->number, {"not mine", {}, {}});
  REQUIRE_FALSE(foreign);
  CHECK_THAT(foreign.error().message, Catch::Contains("resolves only its branch's exceptions: WH-N belongs to north"));
  // A van of another branch is named so.
  REQUIRE(Catalogue(o).setLocation({"VAN-A", {}, {}, {}, {}, "south"}));
  REQUIRE(co.office.sync());
  REQUIRE(co.alice.sync());
  auto moved = Stock(*co.alice.node).move(qtyMove(MoveKind::issue, "SEAL", "VAN-A", "", 1));
  REQUIRE_FALSE(moved);
  CHECK_THAT(moved.error().message, Catch::Contains("VAN-A belongs to south"));
}

TEST_CASE("ops outside a device's rights pushed by a modified client are quarantined, raised, and released or rejected",
          "[server][rights]") {
  Company co;
  const bool release = GENERATE(true, false);
  const std::string merged_before = *co.s.server->exportJson();
  // A modified client: the node forgets its role, so it judges nothing, and
  // makes every command of the issue.
  REQUIRE(co.alice.node->setSetting("sync.role", ""));
  for (const Try& a : outsideAlicesRights(co.bobs_case)) {
    INFO(a.what);
    if (a.rule.find("not held") == std::string::npos) REQUIRE(a.run(*co.alice.node));  // not bob's case: she cannot name it
  }
  REQUIRE(co.alice.sync());
  CHECK(*co.alice.node->setting("sync.role") == "technician");  // the server says again who it is
  checkHeldOnce(co.s, co.alice);  // held: acknowledged, never to be pushed again

  // Kept, but neither merged nor sent to anyone.
  const std::string merged = *co.s.server->exportJson();
  CHECK(merged.find("GASKET") == std::string::npos);
  CHECK(merged.find("Harbour Café") == std::string::npos);
  CHECK(balance(*co.bob.node, "SEAL", "VAN-B") == "50");
  auto raised = ok(co.s.server->exceptions(false));
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].kind == "quarantined");
  CHECK_THAT(raised[0].subjects, Catch::Contains(co.alice.node->nodeId().hex()) && Catch::Contains("north/technician/alice"));
  const auto view = ok(co.s.server->showException(raised[0].number));
  CHECK_THAT(view.detail, Catch::Contains("STOCK_MOVE on STOCK_DOC): a technician moves stock only out of its own van: VAN-B is held by bob"));
  CHECK_THAT(view.detail, Catch::StartsWith("10 ops held, never applied: op "));
  REQUIRE(co.bob.sync());
  CHECK(exportOf(*co.bob.node).find("GASKET") == std::string::npos);
  CHECK(balance(*co.bob.node, "SEAL", "VAN-B") == "50");
  CHECK(ok(Exceptions(*co.bob.node).list(false)).empty());  // not about bob: not in his scope
  REQUIRE(co.south.sync());
  CHECK(ok(Exceptions(*co.south.node).list(false)).size() == 1);  // supervisors see every exception

  // Decided on the server only, with a note and a decision.
  CHECK(co.s.server->resolveException(raised[0].number, {"checked", {}, {}}).error().code == Errc::invalid_input);
  CHECK(co.s.server->resolveException(raised[0].number, {"", {}, {}}, Server::Decision::reject).error().code ==
        Errc::invalid_input);
  REQUIRE(co.office.sync());
  auto on_node = Exceptions(*co.office.node).resolve(raised[0].number, {"checked", {}, {}});
  REQUIRE_FALSE(on_node);
  CHECK_THAT(on_node.error().message, Catch::Contains("decide it on the server"));

  // Options a quarantine does not take are refused before anything is decided.
  CHECK(co.s.server->resolveException(raised[0].number, {"x", 1000, {}}, Server::Decision::release).error().code ==
        Errc::invalid_input);
  CHECK(co.s.server->exportJson()->find("GASKET") == std::string::npos);
  const auto decided = co.s.server->resolveException(
      raised[0].number, {"alice covered for bob today", {}, {}},
      release ? Server::Decision::release : Server::Decision::reject);
  REQUIRE(decided);
  std::string left;
  for (auto& x : ok(co.s.server->exceptions(false))) left += x.kind + " " + x.subjects + "; ";
  CHECK(left == "");
  auto again = co.s.server->resolveException(raised[0].number, {"again", {}, {}}, Server::Decision::reject);
  REQUIRE_FALSE(again);
  CHECK_THAT(again.error().message, Catch::Contains("is decided already: alice covered for bob today"));
  for (Device* d : co.all()) REQUIRE(d->sync());
  REQUIRE(co.office.sync());
  if (release) {
    CHECK(co.s.server->exportJson()->find("GASKET") != std::string::npos);
    CHECK(balance(*co.office.node, "SEAL", "VAN-B") == "47");  // transfer, issue and part: 1 each
    CHECK(balance(*co.office.node, "SEAL", "WH-S") == "120");
    // VAN-B is alice's now (the handover was released): its ledger moved to her device and out of bob's.
    REQUIRE(co.alice.sync());
    CHECK(balance(*co.alice.node, "SEAL", "VAN-B") == "47");
    CHECK(balance(*co.bob.node, "SEAL", "VAN-B") == "0");
    CHECK(exportOf(*co.alice.node).find("VAN-B") != std::string::npos);
  } else {
    CHECK(*co.s.server->exportJson() != merged_before);  // her own case is merged
    CHECK(co.s.server->exportJson()->find("GASKET") == std::string::npos);
    CHECK(balance(*co.bob.node, "SEAL", "VAN-B") == "50");
  }
  CHECK(exportOf(*co.bob.node) == scopeOf(co.s, co.bob));
  CHECK(exportOf(*co.office.node) == *co.s.server->exportJson());
}

TEST_CASE("a van handover made on a stale view is recorded, and the later one wins", "[server][rights]") {
  Company co;
  Device north(co.s, co.dir, "north.db", "supervisor");
  REQUIRE(north.sync());
  // Offline: the north supervisor hands VAN-B to alice at 10:00; the office,
  // which still sees bob holding it, hands it to bob at 11:00.
  REQUIRE(Catalogue(*north.node).setLocation({"VAN-B", {}, "alice", {}, 1'767'261'600'000, {}}));
  const auto office = Catalogue(*co.office.node).setLocation({"VAN-B", {}, "bob", {}, 1'767'265'200'000, {}});
  REQUIRE(office);
  CHECK(office->result == Saved::updated);
  REQUIRE(north.sync());
  REQUIRE(co.office.sync());
  REQUIRE(north.sync());
  for (Device* d : {&north, &co.office}) {
    const auto locations = ok(Catalogue(*d->node).locations());
    const auto van = std::find_if(locations.begin(), locations.end(), [](const auto& l) { return l.code == "VAN-B"; });
    REQUIRE(van != locations.end());
    CHECK(van->technician == "bob");
  }
}

TEST_CASE("a supervisor lists its branch's devices, an administrator every device, and no other role may",
          "[server][rights]") {
  Company co;
  auto listed = [](Device& d) {
    auto session = ok(fieldsync::node::SyncSession::connect(*d.node, d.path));
    return session->devices();
  };
  Device north_sup{co.s, co.dir, "north-sup.db", "supervisor"};
  const auto north = ok(listed(north_sup));
  std::set<std::string> roles;
  for (const auto& d : north) {
    CHECK(d.branch == "north");
    CHECK(d.last_contact > 0);
    roles.insert(d.role + "/" + d.person);
  }
  CHECK(roles == std::set<std::string>{"admin/", "technician/alice", "technician/bob", "warehouse/", "driver/dan",
                                       "supervisor/"});
  const auto south = ok(listed(co.south));
  REQUIRE(south.size() == 1);
  CHECK(south[0].node == co.south.node->nodeId());
  CHECK(ok(listed(co.office)).size() == 7);  // everyone, both branches
  auto refused = listed(co.alice);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::refused);
  CHECK_THAT(refused.error().message, Catch::Contains("only supervisors and administrators may list devices"));
}

TEST_CASE("a supervisor sets stock rules at its branch's locations, rules for every location are administrators'",
          "[server][rights][stock_rule]") {
  Company co;
  Node& south = *co.south.node;
  StockRuleSpec r;
  r.item = "SEAL";
  r.location = "WH-S";
  r.low_stock = 10'000;
  CHECK(Stock(south).setRule(r));
  r.location = "WH-N";
  auto other = Stock(south).setRule(r);
  REQUIRE_FALSE(other);
  CHECK(other.error().message ==
        "a supervisor sets stock rules only at its branch's locations: WH-N belongs to north");
  StockRuleSpec vans;
  vans.kind = LocationKind::van;
  vans.allow_negative = true;
  auto every = Stock(south).setRule(vans);
  REQUIRE_FALSE(every);
  CHECK_THAT(every.error().message, Catch::EndsWith("for every location, only administrators do"));
  CHECK(Stock(*co.office.node).setRule(vans));
  // Every device holds the rules: alice's van may now go below zero.
  REQUIRE(co.office.sync());
  REQUIRE(co.south.sync());
  REQUIRE(co.alice.sync());
  CHECK(ok(Stock(*co.alice.node).policy("SEAL", "VAN-A")).negative_rule == "kind van");
  CHECK(ok(Stock(*co.alice.node).low("WH-S")).size() == 1);  // a rule of another branch is held too
}
