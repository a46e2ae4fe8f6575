// A node on a temporary file with a small catalogue, for tests that read like the domain.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <string>

#include "node/cases.h"
#include "node/catalogue.h"
#include "node/customers.h"
#include "node/exceptions.h"
#include "node/node.h"
#include "node/visits.h"
#include "node/reconcile.h"
#include "node/shipments.h"
#include "node/stock.h"
#include "support/temp_dir.h"

namespace fieldsync::test {

using namespace fieldsync::node;

inline std::unique_ptr<Node> newNode(const TempDir& dir, const std::string& name, NodeOptions options = {}) {
  auto n = Node::init(dir.file(name), "ACME Service", std::move(options));
  REQUIRE(n);
  return std::move(n).value();
}

// The value of a result that must succeed (the error is shown if not).
template <class T>
T ok(Result<T> r) {
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
  return std::move(r).value();
}

// The customers the tests name: Bakery (sites Plant, Plant 2 and Plant 3),
// Bakery Oy (Plant 2, Plant 3), "Bakery; Oy", Cafe Ab, Customer, Dairy, Mill, Mill Ltd, Mill Oy, Other, Random.
inline void addCustomers(Node& n) {
  Customers c(n);
  for (const char* customer : {"Bakery", "Bakery Oy", "Bakery; Oy", "Cafe Ab", "Customer", "Dairy", "Mill", "Mill Ltd", "Mill Oy", "Other", "Random"})
    REQUIRE(c.add({customer, "", "", "", ""}));
  for (const char* site : {"Plant", "Plant 2", "Plant 3"}) REQUIRE(c.addSite({"Bakery", site, ""}));
  for (const char* site : {"Plant 2", "Plant 3"}) REQUIRE(c.addSite({"Bakery Oy", site, ""}));
}

// Items PUMP (serial-tracked, 2 years warranty) and SEAL (low stock below 5);
// locations WH1 (warehouse), WH2 and VAN-A (alice's van); addCustomers'.
inline void addCatalogue(Node& n) {
  addCustomers(n);
  Catalogue c(n);
  REQUIRE(c.addItem({"PUMP", "Pump X1", true, 730, 0}));
  REQUIRE(c.addItem({"SEAL", "Seal kit", false, 0, 5000}));
  REQUIRE(c.addLocation({"WH1", "Main warehouse", LocationKind::warehouse, "", false, {}}));
  REQUIRE(c.addLocation({"WH2", "", LocationKind::warehouse, "", false, {}}));
  REQUIRE(c.addLocation({"VAN-A", "", LocationKind::van, "alice", false, {}}));
}

inline MoveSpec qtyMove(MoveKind kind, std::string item, std::string from, std::string to, double qty) {
  return {kind, std::move(item), std::move(from), std::move(to), static_cast<std::int64_t>(qty * 1000), {}, {}, {}, false};
}
inline MoveSpec serialMove(MoveKind kind, std::string item, std::string from, std::string to,
                           std::vector<std::string> serials) {
  return {kind, std::move(item), std::move(from), std::move(to), {}, std::move(serials), {}, {}, false};
}

// What a node looks like from outside: its export, op count and digest.
struct Snapshot {
  std::string json, digest;
  std::uint64_t ops = 0;
  bool operator==(const Snapshot&) const = default;
};
inline Snapshot snapshot(Node& n) { return {*n.exportJson(), *n.digest(), *n.opCount()}; }

inline std::string balance(Node& n, const std::string& item, const std::string& loc) {
  const auto rows = ok(Stock(n).balances(item, loc));
  return rows.empty() ? "0" : formatQty(rows[0].qty);
}

// One random command, of kind 0 to 10; refusals are part of the game.
// Returns the kind and whether the node accepted it.
struct Attempt {
  int kind = 0;
  bool accepted = false;
};
constexpr int kCommandKinds = 11;
inline Attempt randomCommand(std::mt19937_64& rng, Node& n, int serial_base) {
  const char* locs[] = {"WH1", "WH2", "VAN-A"};
  auto loc = [&] { return std::string(locs[rng() % 3]); };
  auto serial = [&] { return "S" + std::to_string(serial_base + static_cast<int>(rng() % 6)); };
  auto pickCase = [&]() -> std::string {
    auto cases = Cases(n).list();
    if (!cases || cases->empty()) return "none";
    return (*cases)[rng() % cases->size()].number;
  };
  const int kind = static_cast<int>(rng() % kCommandKinds);
  auto done = [&](const auto& r) { return Attempt{kind, r.ok()}; };
  switch (kind) {
    case 0: return done(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", loc(), static_cast<double>(1 + rng() % 5))));
    case 1: return done(Stock(n).move(qtyMove(MoveKind::transfer, "SEAL", loc(), loc(), 1)));
    case 2: {
      MoveSpec issue = qtyMove(MoveKind::issue, "SEAL", loc(), "", 2);
      issue.force = rng() % 2;
      return done(Stock(n).move(issue));
    }
    case 3: return done(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", loc(), {serial()})));
    case 4: return done(Stock(n).move(serialMove(MoveKind::transfer, "PUMP", loc(), loc(), {serial()})));
    case 5: return done(Cases(n).open({"Bakery", "", "", "", "leak", Priority::normal, {}}));
    case 6: {
      const CaseStatus to = static_cast<CaseStatus>(1 + rng() % 8);
      return done(Cases(n).setStatus(pickCase(), to, {}));
    }
    case 7: return done(Catalogue(n).registerUnit({"PUMP", serial(), "B" + std::to_string(rng() % 3)}));
    case 8: return done(Stock(n).count({"SEAL", loc(), static_cast<std::int64_t>(rng() % 6) * 1000, {}, {}, rng() % 2 == 0}));
    case 9: {  // a count of serials: those found; the others the ledger had there go missing
      CountSpec count{"PUMP", loc(), {}, {}, {}, rng() % 2 == 0};
      for (std::uint64_t found = rng() % 3; found > 0; --found) count.serials.push_back(serial());
      if (count.serials.empty()) count.qty = 0;
      return done(Stock(n).count(count));
    }
    default: return done(Catalogue(n).setItem({"SEAL", "Seal kit v" + std::to_string(rng() % 3), {}, {}}));
  }
}

}  // namespace fieldsync::test
