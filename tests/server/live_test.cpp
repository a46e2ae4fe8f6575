// Live sync (docs/protocol.md, "Watch"): a connected device is told of
// new ops in its scope when they arrive, not at its next poll.
#include <catch2/catch.hpp>

#include <future>

#include "server/company_fixture.h"

using namespace fieldsync::test;
using fieldsync::node::SyncSession;

namespace {

bool hasItem(Node& n, const std::string& code) {
  auto items = ok(Catalogue(n).items());
  return std::any_of(items.begin(), items.end(), [&](const auto& i) { return i.code == code; });
}

std::unique_ptr<SyncSession> connected(Device& d) {
  auto s = SyncSession::connect(*d.node, d.path, std::chrono::seconds(10));
  REQUIRE(s);
  REQUIRE((*s)->round());
  return std::move(s).value();
}

// The device's session watches for `max` on a thread of its own.
std::future<fieldsync::sync::Result<bool>> watching(SyncSession& s, std::chrono::milliseconds max,
                                                     std::function<bool()> interrupt = {}) {
  return std::async(std::launch::async, [&s, max, interrupt] { return s.watch(max, interrupt); });
}

}  // namespace

TEST_CASE("a watching device is told of a push in its scope and pulls it", "[server][live]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin"), b(s, dir, "b.db", "admin");
  auto session = connected(a);
  auto news = watching(*session, std::chrono::seconds(50));  // far longer than the test runs
  addCatalogue(*b.node);
  REQUIRE(b.sync());
  const auto told = news.get();
  REQUIRE(told);
  CHECK(*told);  // told, not timed out
  const auto report = session->round();
  REQUIRE(report);
  CHECK(report->pulled > 0);
  CHECK(exportOf(*a.node) == exportOf(*b.node));
  // Nothing new: the watch runs to its end, and the session serves on.
  auto quiet = session->watch(std::chrono::milliseconds(200));
  REQUIRE(quiet);
  CHECK_FALSE(*quiet);
  const auto before = static_cast<std::int64_t>(fieldsync::sync::Hlc::systemClock()());
  CHECK(session->round());
  // A session that stays open counts as contact at each pull, not only at its handshake.
  const auto devices = ok(s.server->devices());
  for (const auto& d : devices)
    if (d.node == a.node->nodeId()) CHECK(d.last_contact >= before);
}

TEST_CASE("a watch ended by the device answers once and the session serves on", "[server][live]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin"), b(s, dir, "b.db", "admin");
  auto session = connected(a);
  std::atomic<bool> local_change{false};
  auto news = watching(*session, std::chrono::seconds(50), [&] { return local_change.load(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  local_change = true;
  const auto ended = news.get();
  REQUIRE(ended);
  CHECK_FALSE(*ended);
  // A push that lands while another watch is ended: exactly one Notice either way.
  for (int i = 0; i < 5; ++i) {
    addCatalogue(*b.node);
    auto raced = watching(*session, std::chrono::seconds(50), [] { return true; });
    REQUIRE(b.sync());
    REQUIRE(raced.get());
    REQUIRE(session->round());
  }
  CHECK(exportOf(*a.node) == exportOf(*b.node));
}

TEST_CASE("a technician's device is not woken by ops outside its scope, and is when a case comes to it",
          "[server][live]") {
  Company co;
  auto session = connected(co.alice);
  auto news = watching(*session, std::chrono::milliseconds(1500));
  REQUIRE(Stock(*co.bob.node).move(qtyMove(MoveKind::consumption, "SEAL", "VAN-B", "", 1)));
  REQUIRE(co.bob.sync());  // bob's van: not alice's to hold
  const auto outside = news.get();
  REQUIRE(outside);
  CHECK_FALSE(*outside);

  news = watching(*session, std::chrono::seconds(50));
  REQUIRE(co.office.sync());
  REQUIRE(Cases(*co.office.node).schedule(co.bobs_case, "alice", 10, 20));
  REQUIRE(co.office.sync());  // the case enters alice's scope
  const auto inside = news.get();
  REQUIRE(inside);
  CHECK(*inside);
  REQUIRE(session->round());
  CHECK(Cases(*co.alice.node).show(co.bobs_case));
}

TEST_CASE("a sync loop pulls a push of another device without waiting for its interval", "[server][live]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin"), b(s, dir, "b.db", "admin");
  auto second = ok(Node::open(a.path));
  fieldsync::node::SyncLoop::Events events;
  fieldsync::node::SyncLoop loop(*second, a.path, events, std::chrono::hours(1));
  std::thread t([&] { (void)loop.run(); });
  auto eventually = [](const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return done();
  };
  addCatalogue(*b.node);
  REQUIRE(b.sync());
  CHECK(eventually([&] { return exportOf(*a.node) == exportOf(*b.node); }));
  // A command of another process on the same file is pushed without wake().
  REQUIRE(Catalogue(*a.node).addItem({"GASKET", "", false, 0, 0}));
  CHECK(eventually([&] { return b.sync() && hasItem(*b.node, "GASKET"); }));
  loop.stop();
  t.join();
}
