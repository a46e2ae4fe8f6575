// Nodes that work offline and exchange their ops in random orders converge,
// and agree with the in-memory reference replica of the sync core.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <random>

#include "node/node_fixture.h"
#include "support/seeds.h"
#include "sync/codec.h"
#include "sync/replica.h"

using namespace fieldsync::test;
using fieldsync::sync::Op;

namespace {

std::vector<Op> allOps(Node& n, const std::vector<fieldsync::sync::Id>& nodes) {
  std::vector<Op> out;
  for (const auto& id : nodes) {
    auto ops = n.opsOf(id, 0, 1'000'000);
    REQUIRE(ops);
    out.insert(out.end(), ops->begin(), ops->end());
  }
  return out;
}

// Sends a random subset (or everything) of `from`'s ops to `to`, shuffled,
// with duplicates, in random batches through the batch codec.
void deliver(std::mt19937_64& rng, Node& from, Node& to, const std::vector<fieldsync::sync::Id>& nodes, bool everything) {
  std::vector<Op> ops = allOps(from, nodes);
  if (!everything) std::erase_if(ops, [&](const Op&) { return rng() % 2; });
  for (std::size_t i = 0, dups = rng() % 3; i < dups && !ops.empty(); ++i) ops.push_back(ops[rng() % ops.size()]);
  std::shuffle(ops.begin(), ops.end(), rng);
  for (std::size_t at = 0; at < ops.size();) {
    const std::size_t n = std::min(ops.size() - at, 1 + rng() % 20);
    auto batch = fieldsync::sync::decodeBatch(fieldsync::sync::encodeBatch(std::span(ops).subspan(at, n)));
    REQUIRE(batch);
    REQUIRE(to.applyRemote(*batch));
    at += n;
  }
}

// What a scenario did: how many random commands of each kind it tried and
// how many the nodes accepted, and the state they converged to.
struct Outcome {
  std::array<int, kCommandKinds> tried{}, accepted{};
  Snapshot state;
};

// Seeded to the byte: ids come from the seed and every node reads one
// clock that the scenario moves.
std::string runScenario(std::uint64_t seed, Outcome& out) {
  std::mt19937_64 rng(seed), ids(seed * 7919 + 1);
  std::uint64_t wall_ms = 1'767'225'600'000;
  const NodeOptions options{[&wall_ms] { return wall_ms; }, [&ids] { return seededId(ids); }};
  TempDir dir;
  std::vector<std::unique_ptr<Node>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(newNode(dir, "n" + std::to_string(i) + ".db", options));
  std::vector<fieldsync::sync::Id> node_ids;
  for (auto& n : nodes) node_ids.push_back(n->nodeId());
  addCatalogue(*nodes[0]);
  for (std::size_t i = 1; i < nodes.size(); ++i) deliver(rng, *nodes[0], *nodes[i], node_ids, true);

  for (int step = 0; step < 40; ++step) {
    wall_ms += rng() % 3;  // often the same millisecond: HLC ties, broken by node ids
    const std::size_t who = rng() % nodes.size();
    if (rng() % 5 == 0) {
      deliver(rng, *nodes[who], *nodes[rng() % nodes.size()], node_ids, false);
    } else {
      const Attempt a = randomCommand(rng, *nodes[who], static_cast<int>(who) * 3);
      ++out.tried[static_cast<std::size_t>(a.kind)];
      out.accepted[static_cast<std::size_t>(a.kind)] += a.accepted;
    }
  }
  for (int round = 0; round < 2; ++round)
    for (std::size_t i = 0; i < nodes.size(); ++i)
      for (std::size_t j = 0; j < nodes.size(); ++j)
        if (i != j) deliver(rng, *nodes[i], *nodes[j], node_ids, true);

  fieldsync::sync::Replica reference;
  for (const Op& op : allOps(*nodes[0], node_ids)) reference.apply(op);
  const Snapshot first = snapshot(*nodes[0]);
  out.state = first;
  if (first.digest != reference.digest()) return "node 0 disagrees with the reference replica";
  for (auto& n : nodes)
    if (!(snapshot(*n) == first)) return "exports differ";
  REQUIRE(nodes[1]->rebuild());
  if (!(snapshot(*nodes[1]) == first)) return "rebuild changed the state";
  return {};
}

// Every kind of random command was accepted somewhere, and most were:
// a scenario whose commands were all refused would prove nothing.
void checkAccepted(const Outcome& total) {
  int tried = 0, accepted = 0;
  for (std::size_t k = 0; k < kCommandKinds; ++k) {
    INFO("command kind " << k << ": " << total.accepted[k] << " of " << total.tried[k] << " accepted");
    CHECK(total.accepted[k] > 0);
    tried += total.tried[k];
    accepted += total.accepted[k];
  }
  INFO(accepted << " of " << tried << " commands accepted");
  CHECK(accepted * 2 > tried);
}

void runConvergence(std::uint64_t first, std::uint64_t count) {
  Outcome total;
  runSeeds(first, count, [&](std::uint64_t seed) {
    Outcome one;
    std::string broken = runScenario(seed, one);
    for (std::size_t k = 0; k < kCommandKinds; ++k) {
      total.tried[k] += one.tried[k];
      total.accepted[k] += one.accepted[k];
    }
    return broken;
  });
  if (!std::getenv("FIELDSYNC_SEED")) checkAccepted(total);
}

}  // namespace

TEST_CASE("nodes exchanging ops in random orders converge to identical exports and agree with the reference",
          "[node][converge]") {
  runConvergence(1, 25);
}

TEST_CASE("nodes converge for 300 more seeded scenarios", "[node][converge][slow]") { runConvergence(1000, 300); }

TEST_CASE("a seed replays its node scenario to the same bytes", "[node][converge]") {
  Outcome first, second;
  REQUIRE(runScenario(12, first).empty());
  REQUIRE(runScenario(12, second).empty());
  CHECK(first.state == second.state);
  CHECK(first.accepted == second.accepted);
}
