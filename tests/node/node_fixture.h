// A node on a temporary file with a small catalogue, for tests that read like the domain.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <string>

#include "node/node.h"
#include "support/temp_dir.h"

namespace fieldsync::test {

using namespace fieldsync::node;

inline std::unique_ptr<Node> newNode(const TempDir& dir, const std::string& name,
                                     sync::Hlc::WallClock wall = sync::Hlc::systemClock()) {
  auto n = Node::init(dir.file(name), "ACME Service", std::move(wall));
  REQUIRE(n);
  return std::move(n).value();
}

// Items PUMP (serial-tracked, 2 years warranty) and SEAL (low stock below 5);
// locations WH1 (warehouse), WH2 and VAN-A (alice's van).
inline void addCatalogue(Node& n) {
  REQUIRE(n.addItem({"PUMP", "Pump X1", true, 730, 0}));
  REQUIRE(n.addItem({"SEAL", "Seal kit", false, 0, 5000}));
  REQUIRE(n.addLocation({"WH1", "Main warehouse", LocationKind::warehouse, "", false}));
  REQUIRE(n.addLocation({"WH2", "", LocationKind::warehouse, "", false}));
  REQUIRE(n.addLocation({"VAN-A", "", LocationKind::van, "alice", false}));
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

// A single cell of a one-row result, as text.
inline std::string cell(const Result<Table>& t, const std::string& column) {
  REQUIRE(t);
  REQUIRE(!t->rows.empty());
  for (std::size_t i = 0; i < t->columns.size(); ++i)
    if (t->columns[i] == column) return cellText(t->rows[0][i]);
  FAIL("no column " << column);
  return {};
}

inline std::string balance(Node& n, const std::string& item, const std::string& loc) {
  auto t = n.balances(item, loc);
  REQUIRE(t);
  return t->rows.empty() ? "0" : cellText(t->rows[0][2]);
}

// One random command; refusals are part of the game.
inline void randomCommand(std::mt19937_64& rng, Node& n, int serial_base) {
  const char* locs[] = {"WH1", "WH2", "VAN-A"};
  auto loc = [&] { return std::string(locs[rng() % 3]); };
  auto serial = [&] { return "S" + std::to_string(serial_base + static_cast<int>(rng() % 6)); };
  auto pickCase = [&]() -> std::string {
    auto cases = n.cases();
    if (!cases || cases->rows.empty()) return "none";
    return cellText(cases->rows[rng() % cases->rows.size()][0]);
  };
  switch (rng() % 9) {
    case 0: (void)n.moveStock(qtyMove(MoveKind::receipt, "SEAL", "", loc(), static_cast<double>(1 + rng() % 5))); break;
    case 1: (void)n.moveStock(qtyMove(MoveKind::transfer, "SEAL", loc(), loc(), 1)); break;
    case 2: {
      MoveSpec issue = qtyMove(MoveKind::issue, "SEAL", loc(), "", 2);
      issue.force = rng() % 2;
      (void)n.moveStock(issue);
      break;
    }
    case 3: (void)n.moveStock(serialMove(MoveKind::receipt, "PUMP", "", loc(), {serial()})); break;
    case 4: (void)n.moveStock(serialMove(MoveKind::transfer, "PUMP", loc(), loc(), {serial()})); break;
    case 5: (void)n.openCase({"Bakery", "", "", "", "leak", Priority::normal, {}}); break;
    case 6: {
      const CaseStatus to = static_cast<CaseStatus>(1 + rng() % 8);
      (void)n.setCaseStatus(pickCase(), to, {});
      break;
    }
    case 7: (void)n.registerUnit({"PUMP", serial(), "B" + std::to_string(rng() % 3)}); break;
    default: (void)n.addItem({"SEAL", "Seal kit v" + std::to_string(rng() % 3), false, 0, 5000}); break;
  }
}

}  // namespace fieldsync::test
