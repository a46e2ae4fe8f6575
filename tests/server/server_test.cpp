// End to end over loopback: a server and nodes in one process, the real
// protocol on 127.0.0.1 with ephemeral ports.
#include "server/server.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <thread>

#include "node/key_file.h"
#include "server/server_fixture.h"
#include "storage/sqlite.h"
#include "support/ops.h"
#include "support/proxy.h"
#include "sync/crypto.h"

using namespace fieldsync::test;
using fieldsync::server::Server;
using fieldsync::sync::Errc;

TEST_CASE("a server and three nodes working offline converge to identical exports, and the server agrees",
          "[server][converge]") {
  TestServer s;
  TempDir dir;
  Device tech(s, dir, "tech.db", "admin"), wh(s, dir, "wh.db", "admin"), driver(s, dir, "driver.db", "admin");
  std::vector<Device*> all{&tech, &wh, &driver};
  addCatalogue(*wh.node);
  for (Device* d : {&wh, &tech, &driver}) REQUIRE(d->sync());

  std::mt19937_64 rng(2026);
  int accepted = 0;
  for (int round = 0; round < 6; ++round) {
    for (std::size_t i = 0; i < all.size(); ++i)
      for (int k = 0; k < 8; ++k) accepted += randomCommand(rng, *all[i]->node, static_cast<int>(i) * 3).accepted;
    std::shuffle(all.begin(), all.end(), rng);  // sync in varying orders
    for (Device* d : all)
      if (rng() % 3) REQUIRE(d->sync());
  }
  for (int pass = 0; pass < 2; ++pass)
    for (Device* d : all) REQUIRE(d->sync());

  const std::string expected = exportOf(*tech.node);
  CHECK(exportOf(*wh.node) == expected);
  CHECK(exportOf(*driver.node) == expected);
  CHECK(*s.server->exportJson() == expected);
  for (Device* d : all) checkHeldOnce(s, *d);
  CHECK(*tech.node->setting("sync.acked") == std::to_string(*tech.node->ownSeq()));
  CHECK(accepted * 2 > 6 * 3 * 8);  // most of the commands really changed something
}

TEST_CASE("a connection cut at any byte offset of a push or pull loses and duplicates nothing",
          "[server][faults]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin"), b(s, dir, "b.db", "admin");
  addCatalogue(*a.node);
  REQUIRE(a.sync());
  REQUIRE(b.sync());
  Proxy proxy(s.port);
  a.pointAt(proxy.port());
  b.pointAt(proxy.port());
  std::mt19937_64 rng(7);
  int failures = 0, accepted = 0, tried = 0;
  for (std::size_t cut = 0; cut < 3000; cut += 37) {
    for (int k = 0; k < 3; ++k, tried += 2) {
      accepted += randomCommand(rng, *a.node, 0).accepted;
      accepted += randomCommand(rng, *b.node, 3).accepted;
    }
    proxy.cutAfter(cut);
    failures += !a.sync().ok();
    failures += !b.sync().ok();
  }
  CHECK(failures > 20);          // the cuts really interrupted exchanges
  CHECK(accepted * 2 > tried);  // and there was real work to exchange
  proxy.cutAfter(SIZE_MAX);
  for (int pass = 0; pass < 2; ++pass) {
    REQUIRE(a.sync());
    REQUIRE(b.sync());
  }
  checkConverged(s, a, b);
}

TEST_CASE("what the server acknowledged survives a restart", "[server]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin");
  addCatalogue(*a.node);
  REQUIRE(a.sync());
  const std::string before = *s.server->exportJson();
  s.stop();
  auto offline = a.sync();
  REQUIRE_FALSE(offline);
  CHECK(offline.error().code == Errc::unavailable);
  REQUIRE(Stock(*a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 3)));
  s.start();
  CHECK(*s.server->exportJson() == before);
  REQUIRE(a.sync());
  CHECK(*s.server->exportJson() == exportOf(*a.node));
}

namespace {
// Runs SQL on the server's log from another connection (the server sees
// schema changes such as triggers at its next statement).
void onServerLog(TestServer& s, const char* sql) {
  fieldsync::storage::Db db(s.dir.file("data/server.db"), false);
  REQUIRE_NOTHROW(db.exec(sql));
}
}  // namespace

TEST_CASE("a store error in the middle of a push rolls back, and later pushes still work", "[server]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin"), b(s, dir, "b.db", "admin");
  addCatalogue(*a.node);
  REQUIRE(a.sync());
  REQUIRE(b.sync());
  const std::uint64_t held = s.ops();
  // The next op written to the log fails, part-way through a's push.
  onServerLog(s, "CREATE TRIGGER injected BEFORE INSERT ON ops BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
  REQUIRE(Stock(*a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 3)));
  REQUIRE(Stock(*a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH2", 1)));
  auto failed = a.sync();
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().message, Catch::Contains("injected failure"));
  CHECK(s.ops() == held);  // nothing of that push was kept
  onServerLog(s, "DROP TRIGGER injected;");
  // The shared connection is not left inside the failed transaction.
  REQUIRE(Stock(*b.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "VAN-A", 2)));
  REQUIRE(b.sync());
  REQUIRE(a.sync());
  REQUIRE(b.sync());
  checkConverged(s, a, b);
}

TEST_CASE("enrollment tokens are single-use and expire", "[server][security]") {
  TestServer s;
  TempDir dir;
  const std::string ticket = s.ticket("driver");
  REQUIRE(fieldsync::node::enroll(dir.file("first.db"), ticket));
  auto again = fieldsync::node::enroll(dir.file("second.db"), ticket);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::denied);
  // Before authentication the device hears one answer for every refusal; the server's log says which.
  CHECK_THAT(again.error().message, Catch::Contains("the server refused this device; its log says why"));
  CHECK(s.logged("the enrollment token has already been used"));
  CHECK_FALSE(std::filesystem::exists(dir.file("second.db")));  // nothing left behind

  const std::string short_lived = s.ticket("driver", 60'000);
  s.clock_ahead_ms = 60'001;  // a minute later on the server's clock
  auto late = fieldsync::node::enroll(dir.file("late.db"), short_lived);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == Errc::denied);
  CHECK(s.logged("the enrollment token has expired"));
  CHECK_FALSE(fieldsync::node::enroll(dir.file("bad.db"), "fs1:not-a-ticket"));
}

TEST_CASE("a device cannot enroll under the id of the server's merged replica", "[server][security]") {
  TestServer s;
  TempDir dir;
  // The merged replica makes the exception ops every device pulls; a device
  // under its id would push ops whose ids collide with them.
  const fieldsync::sync::Id merged = ok(Node::open(s.data + "/merged.db"))->nodeId();
  const std::string path = dir.file("twin.db");
  REQUIRE(Node::init(path, "ACME Service", {fieldsync::sync::Hlc::systemClock(), [&] { return merged; }}));
  auto twin = fieldsync::node::enroll(path, s.ticket("technician"));
  REQUIRE_FALSE(twin);
  CHECK(twin.error().code == Errc::denied);
  CHECK(s.logged("device id " + merged.hex() + " already has ops in the log"));
}

TEST_CASE("an enrollment whose welcome was lost on the way is tried again and succeeds", "[server][security]") {
  TestServer s;
  TempDir dir;
  Proxy proxy(s.port);
  proxy.cutAfterServerFrames(2);  // the server's hello and stream header pass; its Welcome does not
  const std::string ticket = *s.server->enrollToken("north", "driver", "dan", 3'600'000, "127.0.0.1", proxy.port());
  const std::string path = dir.file("d.db");
  auto cut = fieldsync::node::enroll(path, ticket, std::chrono::seconds(5));
  REQUIRE_FALSE(cut);
  CHECK(cut.error().code == Errc::unavailable);
  CHECK_THAT(cut.error().message, Catch::EndsWith("this device keeps its key: run the same enroll command again"));
  CHECK(s.logged("enrolled device"));  // the server did enroll it
  REQUIRE(std::filesystem::exists(path));
  REQUIRE(std::filesystem::exists(fieldsync::node::keyPathFor(path)));
  proxy.cutAfterServerFrames(INT32_MAX);
  const auto again = fieldsync::node::enroll(path, ticket, std::chrono::seconds(5));
  INFO((again ? "" : again.error().message));
  REQUIRE(again);
  CHECK(s.logged("welcomed device " + again->node.hex() + " again"));
  auto devices = s.server->devices();
  REQUIRE(devices);
  CHECK(devices->size() == 1);
  // The same token from another device is still refused.
  CHECK_FALSE(fieldsync::node::enroll(dir.file("other.db"), ticket, std::chrono::seconds(5)));
}

TEST_CASE("a key file is written whole, mode 0600, never through a link, and refused when others may read it",
          "[node][security]") {
  TempDir dir;
  const std::string path = dir.file("k.key"), target = dir.file("elsewhere");
  const auto key = fieldsync::sync::SigningKey::generate();
  std::ofstream(target) << "someone else's file\n";
  std::filesystem::create_symlink(target, path);
  REQUIRE_FALSE(fieldsync::node::writeKeyFile(path, key, false));  // the name is taken, by a link
  REQUIRE(fieldsync::node::writeKeyFile(path, key, true));          // replaced: the link, not what it points to
  CHECK_FALSE(std::filesystem::is_symlink(path));
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  std::string kept;
  std::getline(std::ifstream(target), kept);
  CHECK(kept == "someone else's file");
  REQUIRE(fieldsync::node::readKeyFile(path));
  CHECK(fieldsync::node::readKeyFile(path)->publicKey() == key.publicKey());
  std::filesystem::permissions(path, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  auto shared = fieldsync::node::readKeyFile(path);
  REQUIRE_FALSE(shared);
  CHECK_THAT(shared.error().message, Catch::Contains("may be read by others (mode 640): run chmod 600"));
  // What is wrong with a key file is the user's to fix (exit 3), and said so.
  std::filesystem::create_directory(dir.file("d.key"));
  auto directory = fieldsync::node::readKeyFile(dir.file("d.key"));
  REQUIRE_FALSE(directory);
  CHECK(directory.error().code == Errc::refused);
  CHECK_THAT(directory.error().message, Catch::EndsWith("d.key is not a file"));
  const std::string damaged = dir.file("x.key");
  REQUIRE(fieldsync::node::writeKeyFile(damaged, key, false));
  std::ofstream(damaged) << "not a key at all, but long enough to be read as one if nothing checked it ......\n";
  auto broken = fieldsync::node::readKeyFile(damaged);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == Errc::refused);
  CHECK_THAT(broken.error().message, Catch::Contains("does not hold a key (damaged?)"));
  auto missing = fieldsync::node::readKeyFile(dir.file("none.key"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::refused);
  CHECK_THAT(missing.error().message, Catch::Contains("No such file or directory (restore it from a backup"));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path))  // no temporary file is left
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("revoking a device ends its open session at once", "[server][security]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin");
  addCatalogue(*a.node);
  auto session = fieldsync::node::SyncSession::connect(*a.node, a.path, std::chrono::seconds(5));
  REQUIRE(session);
  REQUIRE((*session)->round());  // a sync --watch, between rounds
  const std::uint64_t ops = s.ops();
  SECTION("by the serving process") { REQUIRE(s.server->revoke(a.node->nodeId().hex())); }
  SECTION("by an admin command, another process on the data directory") {
    auto admin = Server::open(s.data, "", fieldsync::sync::Hlc::systemClock(), false);
    REQUIRE(admin);
    REQUIRE((*admin)->revoke(a.node->nodeId().hex()));
  }
  for (int i = 0; i < 150 && !s.logged("was revoked"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(s.logged("ended: device " + a.node->nodeId().hex() + " was revoked"));
  REQUIRE(Stock(*a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 3)));
  CHECK_FALSE((*session)->round());
  CHECK(s.ops() == ops);
}

TEST_CASE("one device holds a few sessions at most: a newer one ends the oldest", "[server][security]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin");
  addCatalogue(*a.node);
  std::vector<std::unique_ptr<fieldsync::node::SyncSession>> sessions;
  for (int i = 0; i < 6; ++i) {
    auto session = fieldsync::node::SyncSession::connect(*a.node, a.path, std::chrono::seconds(5));
    REQUIRE(session);
    sessions.push_back(std::move(session).value());
  }
  const std::string newer = "ended: device " + a.node->nodeId().hex() + " opened a newer session";
  auto ended = [&] {
    std::lock_guard lock(s.log_mutex);
    return std::count_if(s.log.begin(), s.log.end(), [&](const std::string& l) { return l.find(newer) != l.npos; });
  };
  for (int i = 0; i < 100 && ended() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(ended() == 2);  // 6 sessions, 4 kept
  CHECK_FALSE(sessions[0]->round());
  CHECK_FALSE(sessions[1]->round());
  for (std::size_t i = 2; i < sessions.size(); ++i) CHECK(sessions[i]->round());
}

TEST_CASE("an unenrolled, revoked or impostor device is refused and changes nothing", "[server][security]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin");
  addCatalogue(*a.node);
  REQUIRE(a.sync());
  const std::uint64_t ops = s.ops();

  SECTION("a device the server never enrolled") {
    auto stranger = Node::init(dir.file("stranger.db"), "ACME Service");
    REQUIRE(stranger);
    for (auto [k, v] : {std::pair<const char*, std::string>{"sync.server", "127.0.0.1:" + std::to_string(s.port)},
                        {"sync.server_key", s.server->publicKeyHex()}})
      REQUIRE((*stranger)->setSetting(k, v));
    std::filesystem::copy_file(fieldsync::node::keyPathFor(a.path), fieldsync::node::keyPathFor(dir.file("stranger.db")));
    auto session = fieldsync::node::SyncSession::connect(**stranger, dir.file("stranger.db"));
    REQUIRE_FALSE(session);
    CHECK(session.error().code == Errc::denied);
    CHECK_THAT(session.error().message, Catch::Contains("the server refused this device"));
    CHECK(s.logged("is not enrolled"));
  }
  SECTION("a device whose key is not the enrolled one") {
    REQUIRE(fieldsync::node::writeKeyFile(fieldsync::node::keyPathFor(a.path), fieldsync::sync::SigningKey::generate(), true));
    auto r = a.sync();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::denied);
  }
  SECTION("a revoked device") {
    REQUIRE(s.server->revoke(a.node->nodeId().hex()));
    REQUIRE(Stock(*a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 3)));
    auto r = a.sync();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::denied);
    CHECK(s.logged("has been revoked"));
  }
  SECTION("a device pushing another device's ops") {
    auto session = fieldsync::node::SyncSession::connect(*a.node, a.path);
    REQUIRE(session);
    Maker other;
    const std::vector<fieldsync::sync::Op> forged{
        other.write(fieldsync::sync::randomId(), 1, {fieldsync::test::integer(2, 1)})};
    auto pushed = (*session)->pushBatch(forged);
    REQUIRE_FALSE(pushed);
    CHECK(pushed.error().code == Errc::denied);
    CHECK_THAT(pushed.error().message, Catch::Contains("only its own ops"));
  }
  SECTION("a node talking to a server with the wrong key notices and stops") {
    REQUIRE(a.node->setSetting("sync.server_key", fieldsync::sync::toHex(fieldsync::sync::SigningKey::generate().publicKey())));
    REQUIRE(Stock(*a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 3)));
    auto r = a.sync();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::denied);
    CHECK_THAT(r.error().message, Catch::Contains("not the pinned key"));
  }
  CHECK(s.ops() == ops);
}

TEST_CASE("ops no node makes are refused by the server, naming the op and the field", "[server][security]") {
  using fieldsync::sync::EntityType;
  using fieldsync::sync::FactKind;
  using fieldsync::sync::Field;
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin");
  addCatalogue(*a.node);
  REQUIRE(a.sync());
  const std::uint64_t ops = s.ops();
  struct Forged {
    EntityType type;
    FactKind kind;
    std::vector<Field> fields;
    std::string says;
  };
  const std::int64_t at = 1'767'225'600'000;
  const std::int64_t huge = std::int64_t{1} << 62;
  const auto id = [](const fieldsync::sync::Id& i) { return Field{0, fieldsync::sync::Blob{std::string(i.view())}}; };
  auto with = [](Field f, fieldsync::sync::FieldId n) { f.id = n; return f; };
  const auto item = fieldsync::sync::randomId(), wh = fieldsync::sync::randomId();
  const Forged f = GENERATE_COPY(
      Forged{EntityType::service_case, FactKind::activity, {{fact_f::at, at}, {fact_f::text, std::string(100'000, 'x')}},
             "text: is 100000 bytes long; the limit is 16384"},
      Forged{EntityType::item, FactKind::none, {{item_f::name, std::string("Pump\x1b[31m")}},
             "name: holds a control character"},
      Forged{EntityType::stock_doc, FactKind::stock_move,
             {{fact_f::at, at}, with(id(item), fact_f::item), with(id(wh), fact_f::from), with(id(wh), fact_f::to),
              {fact_f::qty, huge}, {fact_f::move_kind, std::int64_t{0}}},
             "field 6 (qty) is 4611686018427387904, outside 1 to 999999999999999"},
      Forged{EntityType::stock_doc, FactKind::stock_move, {{fact_f::at, at}, {fact_f::qty, std::int64_t{0}}},
             "field 6 (qty) is 0, outside 1"},
      Forged{EntityType::item, FactKind::none, {{42, std::int64_t{1}}}, "ITEM register: field 42 is not in the field table"},
      Forged{EntityType::item, FactKind::signoff, {{fact_f::at, at}}, "SIGNOFF on ITEM is not in the field table"});
  const std::uint64_t seq = *a.node->ownSeq() + 1;
  const fieldsync::sync::Op op{{a.node->nodeId(), seq}, fieldsync::sync::makeHlc(static_cast<std::uint64_t>(at), 0),
                               f.type, fieldsync::sync::randomId(), f.kind, f.fields};
  auto session = fieldsync::node::SyncSession::connect(*a.node, a.path);
  REQUIRE(session);
  auto pushed = (*session)->pushBatch(std::vector{op});
  REQUIRE_FALSE(pushed);
  CHECK(pushed.error().code == Errc::invalid_input);
  CHECK_THAT(pushed.error().message, Catch::Contains("op " + std::to_string(seq) + ": ") && Catch::Contains(f.says));
  CHECK(s.ops() == ops);
}

TEST_CASE("a tampered, replayed or truncated frame ends the session with an error and changes nothing",
          "[server][security]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin");
  addCatalogue(*a.node);
  REQUIRE(a.sync());
  Proxy proxy(s.port);
  a.pointAt(proxy.port());
  REQUIRE(Stock(*a.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 3)));
  const std::uint64_t ops = s.ops();
  // Client frames: 0 hello, 1 stream header, 2 authentication, 3 the first push.
  std::string saved_auth;
  SECTION("a flipped bit in the push") {
    proxy.onClientFrame([](int i, const std::string& f) -> std::optional<std::string> {
      if (i != 3) return f;
      std::string bad = f;
      bad[bad.size() / 2] ^= 0x20;
      return bad;
    });
  }
  SECTION("the authentication replayed in place of the push") {
    proxy.onClientFrame([&saved_auth](int i, const std::string& f) -> std::optional<std::string> {
      if (i == 2) saved_auth = f;
      return i == 3 ? saved_auth : f;
    });
  }
  SECTION("the push truncated mid-frame") {
    proxy.onClientFrame([](int i, const std::string& f) -> std::optional<std::string> {
      if (i == 3) return std::nullopt;
      return f;
    });
  }
  auto r = a.sync();
  REQUIRE_FALSE(r);
  CHECK(s.ops() == ops);
  proxy.onClientFrame({});
  REQUIRE(a.sync());
  CHECK(s.ops() == ops + 2);  // the receipt's document and movement, once
}

TEST_CASE("a sync loop syncs at once when woken, rides out a server restart, and ends when stopped", "[server][sync]") {
  TestServer s;
  TempDir dir;
  Device office(s, dir, "office.db", "admin");
  auto second = ok(Node::open(office.path));  // the loop's own connection to the file, as the app keeps one
  std::atomic<int> rounds{0}, failures{0};
  std::atomic<std::uint64_t> pushed{0};
  fieldsync::node::SyncLoop::Events events;
  events.synced = [&](const fieldsync::node::SyncReport& r) {
    pushed += r.pushed;
    ++rounds;
  };
  events.failed = [&](const fieldsync::sync::Error&, std::chrono::milliseconds) { ++failures; };
  fieldsync::node::SyncLoop loop(*second, office.path, events, std::chrono::hours(1));  // no round for the interval
  fieldsync::sync::Status ended;
  std::thread t([&] { ended = loop.run(); });
  auto waitFor = [](const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return done();
  };
  REQUIRE(waitFor([&] { return rounds == 1; }));
  addCatalogue(*office.node);  // on the other connection: seen there, or woken
  loop.wake();
  REQUIRE(waitFor([&] { return pushed == *office.node->ownSeq(); }));
  CHECK(pushed == *office.node->ownSeq());
  checkHeldOnce(s, office);

  s.stop();
  REQUIRE(Catalogue(*office.node).addItem({"GASKET", "", false, 0, 0}));
  loop.wake();
  REQUIRE(waitFor([&] { return failures >= 1; }));
  const int before = rounds;
  s.start();
  loop.wake();  // cuts the wait after the failure short
  REQUIRE(waitFor([&] { return rounds > before; }));
  checkHeldOnce(s, office);
  loop.stop();
  t.join();
  CHECK(ended);
}
