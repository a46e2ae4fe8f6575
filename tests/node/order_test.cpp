// Reconciliation is a function of the merged facts, never of the order the
// server learns them in (docs/reconciliation.md): a day of offline work on
// several devices, delivered to a server's replica in many random
// interleavings and batchings, leaves the same open exceptions, byte for byte.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "node/node_fixture.h"
#include "support/seeds.h"

using namespace fieldsync::test;
using fieldsync::sync::Op;

namespace {

const std::int64_t kDay = *parseTime("2026-03-02", "t");
constexpr std::uint64_t kNow = 1'772'496'000'000;  // 2026-03-03T00:00:00Z: every business time is before it

NodeOptions fixed(std::mt19937_64& ids) {
  return {[] { return kNow; }, [&ids] { return seededId(ids); }};
}

// The office's catalogue, stock and cases, which every device has before the day starts.
void baseline(Node& office) {
  addCatalogue(office);
  REQUIRE(Catalogue(office).addLocation({"VAN-B", "", LocationKind::van, "bob", false, {}}));
  for (const char* loc : {"WH1", "VAN-A", "VAN-B"}) {
    MoveSpec seals = qtyMove(MoveKind::receipt, "SEAL", "", loc, 3);
    seals.at = kDay;
    REQUIRE(Stock(office).move(seals));
  }
  MoveSpec pumps = serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"P1", "P2", "P3"});
  pumps.at = kDay;
  REQUIRE(Stock(office).move(pumps));
  for (const char* tech : {"alice", "bob"}) {
    const std::string c = ok(Cases(office).open({"Bakery", "", "", "", "leak", Priority::normal, kDay})).number;
    REQUIRE(Cases(office).schedule(c, tech, kDay, kDay + 3'600'000));
  }
}

// One random thing a device does during the day, at a random hour of it.
void work(std::mt19937_64& rng, Node& n, bool office) {
  const std::int64_t at = kDay + 3'600'000 + static_cast<std::int64_t>(rng() % 20) * 3'600'000;
  const char* vans[] = {"VAN-A", "VAN-B"};
  const char* van = vans[rng() % 2];
  auto cases = ok(Cases(n).list());
  const std::string c = cases[rng() % cases.size()].number;
  switch (rng() % 9) {
    case 0: {
      MoveSpec part = qtyMove(MoveKind::consumption, "SEAL", van, "", 1);
      part.at = at;
      part.force = true;
      (void)Cases(n).usePart(c, part);
      break;
    }
    case 1:
      if (office) (void)Catalogue(n).setLocation({"VAN-A", {}, rng() % 2 ? "bob" : "alice", {}, at});
      break;
    case 2: {
      MoveSpec issue = qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1);
      issue.at = at;
      issue.force = true;
      (void)Stock(n).move(issue);
      break;
    }
    case 3: {
      const CaseStatus to = static_cast<CaseStatus>(2 + rng() % 7);
      (void)Cases(n).setStatus(c, to, at, rng() % 2);
      break;
    }
    case 4: (void)Catalogue(n).registerUnit({"PUMP", "P" + std::to_string(1 + rng() % 3), "B" + std::to_string(rng() % 2)}); break;
    case 5: {
      MoveSpec move = serialMove(MoveKind::transfer, "PUMP", "WH1", rng() % 2 ? "WH2" : "VAN-A", {"P" + std::to_string(1 + rng() % 3)});
      move.at = at;
      move.force = true;
      (void)Stock(n).move(move);
      break;
    }
    case 6: (void)Stock(n).count({"SEAL", van, static_cast<std::int64_t>(rng() % 3) * 1000, {}, at, true}); break;
    case 7: {  // a count of WH1's pumps that finds some of them
      CountSpec count{"PUMP", "WH1", {}, {}, at, true};
      for (const char* p : {"P1", "P2", "P3"})
        if (rng() % 2) count.serials.push_back(p);
      if (count.serials.empty()) count.qty = 0;
      (void)Stock(n).count(count);
      break;
    }
    default: {
      MoveSpec send = qtyMove(MoveKind::transit_out, "SEAL", "WH1", "", 1);
      send.at = at;
      send.force = true;
      (void)Stock(n).move(send);
      break;
    }
  }
}

// The open exceptions, everything each one says, as one text.
std::string openExceptions(Node& server) {
  std::string out;
  for (const ExceptionRow& row : ok(Exceptions(server).list(false))) {
    const ExceptionView x = ok(Exceptions(server).show(row.number));
    out += row.number + "|" + row.kind + "|" + row.status + "|" + row.subjects + "|" + std::to_string(row.raised) +
           "|" + x.detail + "|" + x.suggestion + "|" + x.note + "\n";
  }
  return out;
}

// A server's replica that learns `base`, then the devices' days in one
// random interleaving (each device's ops in its own order) and batching,
// and checks each batch as the server does.
std::string deliver(std::mt19937_64& rng, const std::vector<Op>& base, const std::vector<std::vector<Op>>& days,
                    std::uint64_t seed) {
  TempDir dir;
  std::mt19937_64 ids(seed);
  auto server = newNode(dir, "server.db", fixed(ids));
  auto apply = [&](std::span<const Op> batch) {
    REQUIRE(server->applyRemote(batch));
    REQUIRE(Reconciler(*server).reconcile(batch));
  };
  apply(base);
  std::vector<std::size_t> next(days.size(), 0);
  std::vector<Op> batch;
  for (;;) {
    std::vector<std::size_t> ready;
    for (std::size_t d = 0; d < days.size(); ++d)
      if (next[d] < days[d].size()) ready.push_back(d);
    if (ready.empty()) break;
    const std::size_t d = ready[rng() % ready.size()];
    batch.push_back(days[d][next[d]++]);
    if (rng() % 6 == 0) {
      apply(batch);
      batch.clear();
    }
  }
  if (!batch.empty()) apply(batch);
  return openExceptions(*server);
}

std::string runScenario(std::uint64_t seed, int orders) {
  std::mt19937_64 rng(seed), ids(seed + 1);
  TempDir dir;
  auto office = newNode(dir, "office.db", fixed(ids));
  baseline(*office);
  const std::vector<Op> base = *office->opsOf(office->nodeId(), 0, 100'000);
  std::vector<std::unique_ptr<Node>> devices;
  std::vector<std::vector<Op>> days;
  for (int d = 0; d < 3; ++d) {
    auto n = d == 0 ? std::move(office) : newNode(dir, "d" + std::to_string(d) + ".db", fixed(ids));
    if (d > 0) REQUIRE(n->applyRemote(base));
    const std::uint64_t before = *n->ownSeq();
    for (int k = 0; k < 25; ++k) work(rng, *n, d == 0);
    days.push_back(*n->opsOf(n->nodeId(), before, 100'000));
    devices.push_back(std::move(n));
  }
  const std::string first = deliver(rng, base, days, seed);
  if (first.empty()) return "the day raised no exception: it tests nothing";
  for (int k = 1; k < orders; ++k) {
    const std::string other = deliver(rng, base, days, seed);
    if (other != first) return "order " + std::to_string(k) + " differs:\n" + first + "---\n" + other;
  }
  return {};
}

}  // namespace

TEST_CASE("open exceptions are the same whatever order and batches the server learns a day's work in",
          "[node][reconcile][order]") {
  runSeeds(1, 4, [](std::uint64_t seed) { return runScenario(seed, 50); });  // 200 orders
}
