#include "sync/replica.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "support/ops.h"
#include "support/seeds.h"
#include "sync/codec.h"

using namespace fieldsync::sync;
using fieldsync::test::integer;
using fieldsync::test::Maker;
using fieldsync::test::runSeeds;
using fieldsync::test::seededId;
using fieldsync::test::text;

TEST_CASE("the write with the greater hlc wins whatever the arrival order", "[sync][replica]") {
  Maker tablet, office;
  const Id unit = randomId();
  const Op early = office.write(unit, makeHlc(100, 0), {text(2, "B-1")});
  const Op late = tablet.write(unit, makeHlc(101, 0), {text(2, "B-2")});
  Replica x, y;
  x.apply(early); x.apply(late);
  y.apply(late); y.apply(early);
  CHECK(std::get<std::string>(x.get(EntityType::unit, unit, 2)->value) == "B-2");
  CHECK(x.digest() == y.digest());
}

TEST_CASE("equal hlcs are ordered by node id", "[sync][replica]") {
  Maker a, b;
  const Id unit = randomId();
  const Op from_a = a.write(unit, makeHlc(100, 0), {text(2, "from a")});
  const Op from_b = b.write(unit, makeHlc(100, 0), {text(2, "from b")});
  Replica r;
  r.apply(from_a);
  r.apply(from_b);
  const std::string expected = a.node > b.node ? "from a" : "from b";
  CHECK(std::get<std::string>(r.get(EntityType::unit, unit, 2)->value) == expected);
}

TEST_CASE("applying an op twice has no effect", "[sync][replica]") {
  Maker m;
  Replica r;
  const Op op = m.write(randomId(), makeHlc(1, 0), {integer(2, 1)});
  CHECK(r.apply(op));
  const std::string before = r.digest();
  CHECK_FALSE(r.apply(op));
  CHECK(r.digest() == before);
  CHECK(r.opCount() == 1);
}

TEST_CASE("deleting is a register write that a later write can undo", "[sync][replica]") {
  Maker m;
  Replica r;
  const Id unit = randomId();
  r.apply(m.write(unit, makeHlc(1, 0), {text(2, "x")}));
  r.apply(m.write(unit, makeHlc(2, 0), {Field{kDeletedField, true}}));
  CHECK(r.isDeleted(EntityType::unit, unit));
  r.apply(m.write(unit, makeHlc(3, 0), {Field{kDeletedField, false}}));
  CHECK_FALSE(r.isDeleted(EntityType::unit, unit));
}

TEST_CASE("facts are a grow-only set: equal content under two op ids is two facts", "[sync][replica]") {
  Maker m;
  Replica r;
  const Id loc = randomId();
  r.apply(m.fact(loc, makeHlc(1, 0), FactKind::stock_move, {integer(2, -1)}));
  r.apply(m.fact(loc, makeHlc(1, 0), FactKind::stock_move, {integer(2, -1)}));
  CHECK(r.opCount() == 2);
  CHECK(r.registers().empty());
}

// ---- convergence properties -------------------------------------------------

namespace {

struct SimNode {
  Maker maker;
  std::uint64_t wall_ms;
  Hlc hlc;
  Replica replica;
  SimNode(const Id& id, std::uint64_t start) : maker{id}, wall_ms(start), hlc([this] { return wall_ms; }) {}
};

// Delivers ops from `from` to `to`: a random subset with duplicates, shuffled,
// in random batches that go through the batch codec.
void deliver(std::mt19937_64& rng, SimNode& from, SimNode& to, bool everything) {
  std::vector<Op> ops;
  for (const auto& [id, op] : from.replica.ops())
    if (everything || rng() % 2) ops.push_back(op);
  for (std::size_t i = 0, dups = rng() % 4; i < dups && !ops.empty(); ++i) ops.push_back(ops[rng() % ops.size()]);
  std::shuffle(ops.begin(), ops.end(), rng);
  for (std::size_t at = 0; at < ops.size();) {
    const std::size_t n = std::min(ops.size() - at, 1 + rng() % 8);
    auto decoded = decodeBatch(encodeBatch(std::span(ops).subspan(at, n)));
    REQUIRE(decoded);
    for (const Op& op : *decoded) {
      to.hlc.receive(op.hlc);
      to.replica.apply(op);
    }
    at += n;
  }
}

// One seeded scenario; returns an empty string on success, else what broke.
std::string runScenario(std::uint64_t seed, std::string* digest_out = nullptr) {
  std::mt19937_64 rng(seed);
  const std::size_t n_nodes = 2 + rng() % 7;
  std::vector<Id> entities(1 + rng() % 5);
  for (Id& e : entities) e = seededId(rng);
  std::vector<std::unique_ptr<SimNode>> nodes;
  for (std::size_t i = 0; i < n_nodes; ++i) {  // clocks up to 50 ms apart, so hlc ties happen
    const Id id = seededId(rng);
    nodes.push_back(std::make_unique<SimNode>(id, 1'700'000'000'000 + rng() % 50));
  }

  std::vector<Op> all;
  const int steps = 10 + static_cast<int>(rng() % 60);
  for (int s = 0; s < steps; ++s) {
    SimNode& n = *nodes[rng() % n_nodes];
    n.wall_ms += rng() % 3;
    if (rng() % 3 == 0) {
      deliver(rng, n, *nodes[rng() % n_nodes], false);
      continue;
    }
    const Id& entity = entities[rng() % entities.size()];
    Op op;
    if (rng() % 4 == 0) {
      op = n.maker.fact(entity, n.hlc.now(), FactKind::stock_move, {integer(2, static_cast<std::int64_t>(rng() % 9) - 4)});
    } else {
      std::vector<Field> fields;
      for (FieldId f = 1; f <= 4; ++f)
        if (rng() % 2 || (f == 4 && fields.empty())) fields.push_back(integer(f, static_cast<std::int64_t>(rng() % 5)));
      op = Op{{n.maker.node, ++n.maker.seq}, n.hlc.now(), EntityType::unit, entity, FactKind::none, fields};
    }
    n.replica.apply(op);
    all.push_back(op);
  }
  // Final anti-entropy: everyone sends everything to everyone, in a random order.
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (std::size_t i = 0; i < n_nodes; ++i)
    for (std::size_t j = 0; j < n_nodes; ++j)
      if (i != j) pairs.emplace_back(i, j);
  std::shuffle(pairs.begin(), pairs.end(), rng);
  for (int round = 0; round < 2; ++round)
    for (auto [i, j] : pairs) deliver(rng, *nodes[i], *nodes[j], true);

  const std::string digest = nodes[0]->replica.digest();
  if (digest_out) *digest_out = digest;
  for (const auto& n : nodes) {
    if (n->replica.digest() != digest) return "digests differ";
    if (n->replica.opCount() != all.size()) return "op counts differ";
  }
  // Every register holds its greatest (hlc, node, seq) write.
  std::map<RegisterKey, std::pair<Stamp, Value>> expected;
  for (const Op& op : all) {
    if (op.isFact()) continue;
    for (const Field& f : op.fields) {
      auto& slot = expected[RegisterKey{op.entity_type, op.entity, f.id}];
      if (slot.first < stampOf(op)) slot = {stampOf(op), f.value};
    }
  }
  const auto& regs = nodes[0]->replica.registers();
  if (regs.size() != expected.size()) return "register counts differ";
  for (const auto& [key, want] : expected) {
    auto it = regs.find(key);
    if (it == regs.end() || it->second.value != want.second || it->second.stamp != want.first)
      return "a register does not hold its greatest write";
  }
  return {};
}

}  // namespace

TEST_CASE("replicas converge for 1,000 seeded scenarios of random writes, facts and deliveries",
          "[sync][replica][converge]") {
  runSeeds(1, 1000, [](std::uint64_t seed) { return runScenario(seed); });
}

TEST_CASE("replicas converge for 20,000 more seeded scenarios", "[sync][replica][converge][slow]") {
  runSeeds(1'000'000, 20'000, [](std::uint64_t seed) { return runScenario(seed); });
}

TEST_CASE("a seed replays its scenario to the same digest", "[sync][replica][converge]") {
  for (std::uint64_t seed : {3u, 77u, 1234u}) {
    std::string first, second;
    REQUIRE(runScenario(seed, &first).empty());
    REQUIRE(runScenario(seed, &second).empty());
    CHECK(first == second);
  }
}
