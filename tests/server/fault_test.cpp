// A faulty network (issue 12, section 6): three devices work and sync for
// a day through a proxy that delays, cuts, truncates and corrupts frames at
// random. Once the network is good again, every node and the server hold
// the same state, every database is intact, and no op is lost or doubled.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>

#include "node/node_fixture.h"
#include "server/server_fixture.h"
#include "storage/sqlite.h"
#include "support/proxy.h"
#include "support/seeds.h"

using namespace fieldsync::test;

namespace {
std::string integrity(const std::string& path) {
  fieldsync::storage::Db db(path, false);
  fieldsync::storage::Query q(db.stmt("PRAGMA integrity_check"));
  return q.step() ? q->text(0) : "no answer";
}


// What the faulty days did, printed for docs/reliability.md.
struct Tally {
  std::array<std::size_t, 4> faults{};  // flipped, cut in a frame, cut before one, delayed
  int syncs = 0, broken = 0;
};

// One faulty day with `seed`.
void faultyDay(std::uint64_t seed, Tally& tally) {
  INFO("seed " << seed);
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin"), b(s, dir, "b.db", "admin"), c(s, dir, "c.db", "admin");
  addCatalogue(*a.node);
  REQUIRE(a.sync());
  Proxy proxy(s.port);
  for (Device* d : {&a, &b, &c}) d->pointAt(proxy.port());
  proxy.faults(seed, 0.15);
  std::mt19937_64 rng(seed);
  int failed = 0;
  for (int round = 0; round < 12; ++round)
    for (Device* d : {&a, &b, &c}) {
      for (int i = 0; i < 4; ++i) (void)randomCommand(rng, *d->node, 100 * round);
      if (!d->sync()) ++failed;  // a fault broke it: the next sync picks up
    }
  CHECK(failed > 0);  // the faults did happen
  proxy.faults(seed, 0);
  tally.syncs += 36;
  tally.broken += failed;
  for (std::size_t k = 0; k < 4; ++k) tally.faults[k] += proxy.injected()[k];
  for (int pass = 0; pass < 2; ++pass)
    for (Device* d : {&a, &b, &c}) {
      auto r = d->sync();
      INFO((r ? "" : r.error().message));
      REQUIRE(r);
    }
  const std::string server_state = *s.server->exportJson();
  auto devices = s.server->devices();
  REQUIRE(devices);
  for (Device* d : {&a, &b, &c}) {
    CHECK(exportOf(*d->node) == server_state);
    CHECK(*d->node->digest() == *s.server->digest());
    CHECK(*d->node->opCount() == *s.server->opCount());  // every op once: none lost, none doubled
    for (const auto& known : *devices)
      if (known.node == d->node->nodeId()) CHECK(known.watermark == *d->node->ownSeq());
    CHECK(integrity(d->path) == "ok");
  }
  s.stop();
  for (const char* file : {"server.db", "merged.db"}) CHECK(integrity(s.data + "/" + file) == "ok");
}

}  // namespace

TEST_CASE("devices syncing through a network that delays, cuts, truncates and corrupts frames converge, losing nothing",
          "[server][reliability]") {
  Tally tally;
  faultyDay(GENERATE(1, 2), tally);
}

TEST_CASE("twenty more faulty days converge, losing nothing", "[server][reliability][slow]") {
  Tally t;
  for (std::uint64_t seed = 3; seed < 23; ++seed) faultyDay(seed, t);
  std::printf("20 faulty days: %zu faults injected (%zu bits flipped, %zu connections cut in a frame, %zu "
              "before one, %zu frames delayed); %d of %d syncs broken by them; all converged, nothing lost or doubled\n",
              t.faults[0] + t.faults[1] + t.faults[2] + t.faults[3], t.faults[0], t.faults[1], t.faults[2],
              t.faults[3], t.broken, t.syncs);
}
