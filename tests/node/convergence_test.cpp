// Nodes that work offline and exchange their ops in random orders converge,
// and agree with the in-memory reference replica of the sync core.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "node/node_fixture.h"
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

std::string runScenario(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  TempDir dir;
  std::vector<std::unique_ptr<Node>> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(newNode(dir, "n" + std::to_string(i) + ".db"));
  std::vector<fieldsync::sync::Id> ids;
  for (auto& n : nodes) ids.push_back(n->nodeId());
  addCatalogue(*nodes[0]);
  for (std::size_t i = 1; i < nodes.size(); ++i) deliver(rng, *nodes[0], *nodes[i], ids, true);

  for (int step = 0; step < 40; ++step) {
    const std::size_t who = rng() % nodes.size();
    if (rng() % 5 == 0) {
      deliver(rng, *nodes[who], *nodes[rng() % nodes.size()], ids, false);
    } else {
      randomCommand(rng, *nodes[who], static_cast<int>(who) * 3);
    }
  }
  for (int round = 0; round < 2; ++round)
    for (std::size_t i = 0; i < nodes.size(); ++i)
      for (std::size_t j = 0; j < nodes.size(); ++j)
        if (i != j) deliver(rng, *nodes[i], *nodes[j], ids, true);

  fieldsync::sync::Replica reference;
  for (const Op& op : allOps(*nodes[0], ids)) reference.apply(op);
  const Snapshot first = snapshot(*nodes[0]);
  if (first.digest != reference.digest()) return "node 0 disagrees with the reference replica";
  for (auto& n : nodes)
    if (!(snapshot(*n) == first)) return "exports differ";
  REQUIRE(nodes[1]->rebuild());
  if (!(snapshot(*nodes[1]) == first)) return "rebuild changed the state";
  return {};
}

}  // namespace

TEST_CASE("nodes exchanging ops in random orders converge to identical exports and agree with the reference",
          "[node][converge]") {
  for (std::uint64_t seed = 1; seed <= 25; ++seed) {
    const std::string broken = runScenario(seed);
    INFO("seed " << seed << ": " << broken);
    REQUIRE(broken.empty());
  }
}

TEST_CASE("nodes converge for 300 more seeded scenarios", "[node][converge][slow]") {
  for (std::uint64_t seed = 1000; seed < 1300; ++seed) {
    const std::string broken = runScenario(seed);
    INFO("seed " << seed << ": " << broken);
    REQUIRE(broken.empty());
  }
}
