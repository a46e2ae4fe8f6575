// The server's store (server/internal/store.h): every case runs on both
// backends, a SQLite file and a database of the private PostgreSQL cluster
// the test run starts (tests/support/pg_cluster.sh; FIELDSYNC_TEST_PG names
// the file holding its URI).
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <atomic>
#include <fstream>
#include <thread>

#include "node/attachments.h"
#include "node/model.h"
#include "server/internal/store.h"
#include "storage/sqlite.h"
#include "support/ops.h"
#include "support/temp_dir.h"

using namespace fieldsync;
using server::ServerStore;
using sync::Id;
using sync::Op;

namespace {

// A new, empty database on the test run's cluster, as a URI.
std::string freshPostgres() {
  const char* file = std::getenv("FIELDSYNC_TEST_PG");
  REQUIRE(file);
  std::ifstream in(file);
  std::string base;
  std::getline(in, base);
  REQUIRE_FALSE(base.empty());  // the cluster did not start: see the "postgresql cluster starts" test
  const std::string name = "store_" + sync::randomId().hex();
  pqxx::connection admin(base);
  pqxx::nontransaction(admin).exec("CREATE DATABASE " + name);
  return base.substr(0, base.rfind('/') + 1) + name;
}

// Where a store of `backend` lives: a file in `dir`, or a new database.
std::string location(const std::string& backend, const test::TempDir& dir) {
  return backend == "postgresql" ? freshPostgres() : dir.file("server.db");
}

server::Device deviceNamed(const std::string& branch, const std::string& role, std::int64_t at) {
  server::Device d;
  d.node = sync::randomId();
  d.key = sync::SigningKey::generate().publicKey();
  d.branch = branch;
  d.role = role;
  d.enrolled_at = at;
  return d;
}

// A register write numbered and stamped in the maker's order.
Op write(test::Maker& m, const Id& entity, sync::EntityType type = sync::EntityType::unit) {
  return m.write(entity, m.seq + 1, {test::text(2, "v")}, type);
}

std::vector<std::uint64_t> seqs(const std::vector<server::LoggedOp>& ops) {
  std::vector<std::uint64_t> out;
  for (const auto& l : ops) out.push_back(l.op.id.seq);
  return out;
}

std::uint64_t push(ServerStore& store, const Id& node, const std::vector<Op>& ops,
                   std::vector<std::string> held = {}) {
  held.resize(ops.size());
  auto tx = store.transaction();
  const std::uint64_t w = store.appendPush(node, ops, held, "batch", "signature", 1000);
  tx->commit();
  return w;
}

}  // namespace

TEST_CASE("store: meta values, tokens used once, and devices as stored") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  INFO(backend);
  test::TempDir dir;
  auto store = ServerStore::open(location(backend, dir));

  CHECK_FALSE(store->meta("log_id"));
  CHECK(store->metaNumber("forwarded") == 0);
  store->setMeta("log_id", "a");
  store->setMeta("log_id", "b");
  CHECK(store->meta("log_id") == "b");
  store->setMeta("n", "not a number");
  CHECK_THROWS_AS(store->metaNumber("n"), storage::StoreError);

  const sync::Hash h1 = sync::hashBytes("one"), h2 = sync::hashBytes("two");
  store->addToken(h1, {"north", "technician", "ana", 5000});
  store->addToken(h2, {"south", "warehouse", "", 9000});
  const Id dev = sync::randomId();
  store->useToken(h1, dev, 100);
  CHECK_THROWS_AS(store->useToken(h1, dev, 200), storage::StoreError);  // single use
  auto t = store->token(h1);
  REQUIRE(t);
  CHECK((t->branch == "north" && t->role == "technician" && t->person == "ana" && t->expires_at == 5000));
  CHECK((t->used && t->used_by == dev));
  CHECK_FALSE(store->token(sync::hashBytes("three")));
  auto all = store->tokens();
  REQUIRE(all.size() == 2);
  CHECK(all[0].first == sync::toHex(h2).substr(0, 8));  // newest expiry first
  CHECK_FALSE(all[0].second.used);

  auto a = deviceNamed("north", "technician", 10), b = deviceNamed("north", "admin", 20);
  a.person = "ana";
  store->addDevice(a);
  store->addDevice(b);
  store->touch(a.node, 500, -42);
  store->contacted(a.node, 700);
  store->contacted(a.node, 600);  // never back in time
  store->setCursor(a.node, 17);
  CHECK(store->revoke(b.node, 800));
  CHECK(store->revoke(b.node, 900));  // the first revocation's time stays
  CHECK_FALSE(store->revoke(sync::randomId(), 900));
  auto got = store->device(a.node);
  REQUIRE(got);
  CHECK((got->key == a.key && got->person == "ana" && got->enrolled_at == 10));
  CHECK((got->last_contact == 700 && got->clock_offset_ms == -42 && got->cursor == 17 && !got->revoked_at));
  CHECK(store->device(b.node)->revoked_at == 800);
  auto devices = store->devices();  // by branch, role, enrollment
  REQUIRE(devices.size() == 2);
  CHECK((devices[0].node == b.node && devices[1].node == a.node));
  CHECK_FALSE(store->device(sync::randomId()));
}

TEST_CASE("store: a push appends new ops in server order, holds some in quarantine, and is idempotent") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  INFO(backend);
  test::TempDir dir;
  auto store = ServerStore::open(location(backend, dir));
  auto a = deviceNamed("north", "technician", 1), b = deviceNamed("north", "technician", 2);
  store->addDevice(a);
  store->addDevice(b);
  test::Maker ma{a.node}, mb{b.node};
  const Id unit = sync::randomId();
  std::vector<Op> first{ma.write(unit, 1, {test::text(2, "x")}), ma.write(unit, 2, {test::text(2, "y")})};

  CHECK(push(*store, a.node, first) == 2);
  CHECK(push(*store, a.node, first) == 2);  // re-sent: nothing new
  CHECK(store->opCount() == 2);
  CHECK(push(*store, b.node, {write(mb, unit)}) == 1);
  std::vector<Op> more{write(ma, unit), write(ma, unit)};
  CHECK(push(*store, a.node, more, {"", "not its branch"}) == 4);  // a held op counts for the watermark

  CHECK(store->head() == 4);
  CHECK(store->opCount() == 4);
  CHECK(store->device(a.node)->watermark == 4);
  CHECK(store->device(a.node)->ops_received == 4);
  auto log = store->opsAfter(0, Id{}, 100);
  REQUIRE(log.size() == 4);
  CHECK(log[0].op == first[0]);
  CHECK(seqs(log) == std::vector<std::uint64_t>{1, 2, 1, 3});
  for (std::size_t i = 1; i < log.size(); ++i) CHECK(log[i].server_seq > log[i - 1].server_seq);
  CHECK(seqs(store->opsAfter(log[1].server_seq, Id{}, 1)) == std::vector<std::uint64_t>{1});
  CHECK(store->opsAfter(0, a.node, 100).size() == 1);  // b's only
  CHECK(store->opsAfter(store->head(), Id{}, 100).empty());

  auto held = store->held(a.node);
  REQUIRE(held.size() == 1);
  CHECK((held[0].op == more[1] && held[0].reason == "not its branch"));
  CHECK(store->ownOps(a.node, 0, 100).size() == 4);  // held ones too
  CHECK(store->ownOps(a.node, 2, 100).front() == more[0]);

  {  // a transaction not committed leaves nothing
    auto tx = store->transaction();
    std::vector<std::string> none(1);
    store->appendPush(b.node, {write(mb, unit)}, none, "batch", "signature", 2000);
  }
  CHECK(store->head() == 4);
  CHECK(store->device(b.node)->watermark == 1);
}

TEST_CASE("store: released ops enter the log at its head, rejected ones never, and the server's own ops go in once") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  INFO(backend);
  test::TempDir dir;
  auto store = ServerStore::open(location(backend, dir));
  auto a = deviceNamed("north", "technician", 1), b = deviceNamed("south", "technician", 2);
  store->addDevice(a);
  store->addDevice(b);
  test::Maker ma{a.node}, mb{b.node}, own;
  const Id unit = sync::randomId();
  push(*store, a.node, {write(ma, unit), write(ma, unit)}, {"outside", "outside"});
  push(*store, b.node, {write(mb, unit), write(mb, unit)}, {"", "outside"});
  const std::uint64_t before = store->head();

  CHECK(store->decide(a.node, true, 50) == 2);
  CHECK(store->decide(a.node, true, 60) == 0);  // nothing undecided left
  CHECK(store->decide(b.node, false, 70) == 1);
  CHECK(store->held(a.node).empty());
  CHECK(store->held(b.node).empty());
  CHECK(store->quarantinedEver(a.node) == 2);
  CHECK(store->quarantinedEver(b.node) == 1);
  auto released = store->opsAfter(before, Id{}, 100);
  CHECK(seqs(released) == std::vector<std::uint64_t>{1, 2});
  CHECK(released[0].op.id.node == a.node);
  CHECK(store->opCount() == 3);  // b's rejected op is not in the log

  const std::vector<Op> raised{write(own, sync::randomId(), sync::EntityType::exception)};
  store->appendOwn(raised);
  store->appendOwn(raised);
  CHECK(store->opCount() == 4);
  CHECK(store->opsAfter(store->head() - 1, Id{}, 10).at(0).op == raised[0]);
}

TEST_CASE("store: what each device holds of its scope") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  INFO(backend);
  test::TempDir dir;
  auto store = ServerStore::open(location(backend, dir));
  const Id device = sync::randomId(), other = sync::randomId(), c1 = sync::randomId(), c2 = sync::randomId();
  const std::vector<node::ScopeKey> add{{sync::EntityType::service_case, c1}, {sync::EntityType::site, c2}};
  store->holdScope(device, add, {});
  store->holdScope(device, add, {});  // again: no change
  store->holdScope(other, std::vector<node::ScopeKey>{{sync::EntityType::site, c2}}, {});
  CHECK(store->scopeHeld(device) == std::set<node::ScopeKey>(add.begin(), add.end()));
  const std::vector<Id> drop{c1};
  store->holdScope(device, {}, drop);
  CHECK(store->scopeHeld(device) == std::set<node::ScopeKey>{{sync::EntityType::site, c2}});
  store->forgetScope(device);
  CHECK(store->scopeHeld(device).empty());
  CHECK(store->scopeHeld(other).size() == 1);
}

TEST_CASE("store: a scoped pull reads the ops of the entities its device holds, along the log or by entity") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  INFO(backend);
  test::TempDir dir;
  const std::string where = location(backend, dir);
  auto store = ServerStore::open(where);
  auto me = deviceNamed("north", "technician", 1), other = deviceNamed("north", "technician", 2);
  store->addDevice(me);
  store->addDevice(other);
  test::Maker mine{me.node}, theirs{other.node};
  const Id held1 = sync::randomId(), held2 = sync::randomId(), outside = sync::randomId();
  store->holdScope(me.node,
                   std::vector<node::ScopeKey>{{sync::EntityType::unit, held1}, {sync::EntityType::unit, held2}}, {});
  push(*store, me.node, {write(mine, held1)});                              // its own: not sent back
  push(*store, other.node, {write(theirs, held1), write(theirs, outside)});  // other seqs 1, 2
  push(*store, other.node, {write(theirs, held2), write(theirs, held1)}, {"", "outside"});  // 3; 4 held
  const std::uint64_t cursor = store->head();
  push(*store, other.node, {write(theirs, outside), write(theirs, held2), write(theirs, held1)});  // 5, 6, 7

  // Ops logged before their entity was stored (server.db before migration
  // 5, a PostgreSQL store of schema 1) get it from their bodies on opening.
  store.reset();
  if (backend == "postgresql") {
    pqxx::connection c(where);
    pqxx::work w(c);
    w.exec("ALTER TABLE ops DROP COLUMN entity; ALTER TABLE quarantine DROP COLUMN entity; "
           "UPDATE meta SET value = '1' WHERE key = 'schema'");
    w.commit();
  } else {
    storage::Db db(where, false);
    db.exec("DROP INDEX ops_by_entity; ALTER TABLE ops DROP COLUMN entity; "
            "ALTER TABLE quarantine DROP COLUMN entity; PRAGMA user_version = 4");
  }
  store = ServerStore::open(where);
  CHECK(store->decide(other.node, true, 10) == 1);  // seq 4 enters the log at its head

  for (const bool by_entity : {true, false}) {
    INFO("by entity: " << by_entity);
    auto all = store->scopedOpsAfter(me.node, 0, 100, by_entity);
    CHECK(seqs(all) == std::vector<std::uint64_t>{1, 3, 6, 7, 4});
    for (const auto& l : all) CHECK(l.op.id.node == other.node);
    CHECK(std::is_sorted(all.begin(), all.end(), [](auto& a, auto& b) { return a.server_seq < b.server_seq; }));
    CHECK(seqs(store->scopedOpsAfter(me.node, cursor, 100, by_entity)) == std::vector<std::uint64_t>{6, 7, 4});
    CHECK(seqs(store->scopedOpsAfter(me.node, 0, 2, by_entity)) == std::vector<std::uint64_t>{1, 3});
    CHECK(store->scopedOpsAfter(other.node, 0, 100, by_entity).empty());  // holds nothing
  }
}

TEST_CASE("store: attachments grow piece by piece and are named by the ops that refer to them") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  INFO(backend);
  test::TempDir dir;
  auto store = ServerStore::open(location(backend, dir));
  auto a = deviceNamed("north", "driver", 1);
  store->addDevice(a);
  const std::string image = std::string("\x89PNG\r\n\x1a\n", 8) + std::string("\0\x01\xff", 3) + "rest";
  const sync::Hash h = sync::sha256(image);
  test::Maker ma{a.node};
  const Id shipment = sync::randomId();
  Op proof = ma.fact(shipment, 1, sync::FactKind::tracking, {test::text(node::fact_f::proof, node::attachmentRef(h))},
                     sync::EntityType::shipment);
  push(*store, a.node, {proof}, {"outside"});

  CHECK_FALSE(store->attachment(h));
  store->putAttachmentPiece(h, "image/png", image.size(), image.substr(0, 9), a.node, 10);
  store->putAttachmentPiece(h, "image/png", image.size(), image.substr(9), a.node, 11);
  auto got = store->attachment(h);
  REQUIRE(got);
  CHECK((got->type == "image/png" && got->size == image.size() && got->held == image.size() && !got->complete));
  CHECK(store->attachmentPiece(h, 0, 100) == image);  // bytes kept exactly, zero bytes too
  CHECK(store->attachmentPiece(h, 8, 3) == image.substr(8, 3));
  CHECK(store->attachmentPiece(sync::sha256("none"), 0, 10).empty());
  store->completeAttachment(h);
  CHECK(store->attachment(h)->complete);

  CHECK(store->refersTo(a.node, h));  // held, its own
  CHECK_FALSE(store->refersTo(sync::randomId(), h));
  CHECK(store->attachmentEntities(h).empty());  // held ops name nothing
  store->decide(a.node, true, 20);
  CHECK(store->attachmentEntities(h) == std::vector<Id>{shipment});
  store->dropAttachment(h);
  CHECK_FALSE(store->attachment(h));
}

// The property the cursors rest on (docs/server.md, "Several servers"):
// a reader that follows the log by its cursor while several writers append
// at once, each on a store of its own, misses no op.
TEST_CASE("store: a cursor that follows the log while several writers append misses no op") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  INFO(backend);
  test::TempDir dir;
  const std::string where = location(backend, dir);
  constexpr int kWriters = 3, kPushes = 60, kPerPush = 5;
  std::vector<server::Device> devices;
  {
    auto setup = ServerStore::open(where);
    for (int i = 0; i < kWriters; ++i) {
      devices.push_back(deviceNamed("north", "admin", i));
      setup->addDevice(devices.back());
    }
  }
  std::atomic<int> writing = kWriters;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      auto store = ServerStore::open(where);
      test::Maker m{devices[w].node};
      for (int p = 0; p < kPushes; ++p) {
        std::vector<Op> ops;
        for (int i = 0; i < kPerPush; ++i) ops.push_back(write(m, sync::randomId()));
        for (int attempt = 0;; ++attempt) {  // SQLite may be busy; PostgreSQL waits for the log's lock
          try {
            push(*store, devices[w].node, ops);
            break;
          } catch (const storage::StoreError&) {
            if (attempt > 50) throw;
          }
        }
      }
      --writing;
    });
  auto reader = ServerStore::open(where);
  std::set<sync::OpId> seen;
  std::uint64_t cursor = 0;
  bool last_round = false;
  while (!last_round) {
    last_round = writing == 0;
    for (auto batch = reader->opsAfter(cursor, Id{}, 7); !batch.empty(); batch = reader->opsAfter(cursor, Id{}, 7))
      for (const auto& l : batch) {
        CHECK(seen.insert(l.op.id).second);
        cursor = l.server_seq;
      }
  }
  for (auto& t : writers) t.join();
  CHECK(seen.size() == static_cast<std::size_t>(kWriters * kPushes * kPerPush));
  CHECK(reader->opCount() == seen.size());
}

TEST_CASE("store: one process at a time runs the checks, and another takes over when it goes") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  INFO(backend);
  test::TempDir dir;
  const std::string where = location(backend, dir);
  auto first = ServerStore::open(where);
  CHECK(first->leads());
  if (!first->shared()) return;  // SQLite: one process serves the file, and it leads
  auto second = ServerStore::open(where);
  CHECK_FALSE(second->leads());
  CHECK(first->leads());
  first.reset();  // its backend lets the lock go as it ends, a moment later
  bool took_over = false;
  for (int i = 0; i < 250 && !took_over; ++i) {
    took_over = second->leads();
    if (!took_over) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(took_over);
}

TEST_CASE("store: PostgreSQL tells the other processes when the log grows") {
  test::TempDir dir;
  const std::string where = freshPostgres();
  auto watching = ServerStore::open(where), writing = ServerStore::open(where);
  std::atomic<int> heard = 0;
  watching->onLogGrew([&] { ++heard; });
  for (int i = 0; i < 100 && heard == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int listening = heard;  // one call once listening: whatever came before it
  CHECK(listening >= 1);
  auto d = deviceNamed("north", "admin", 1);
  writing->addDevice(d);
  test::Maker m{d.node};
  push(*writing, d.node, {write(m, sync::randomId())});
  for (int i = 0; i < 250 && heard == listening; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(heard > listening);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const int before_own = heard;
  push(*watching, d.node, {write(m, sync::randomId())});  // its own growth is not news to it
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(heard == before_own);
}

TEST_CASE("store: PostgreSQL connects again after its connection was cut, and the checker's lock is taken anew") {
  const std::string where = freshPostgres();
  auto store = ServerStore::open(where);
  CHECK(store->leads());
  auto d = deviceNamed("north", "admin", 1);
  store->addDevice(d);
  {  // as a restart or a failover would: the server ends the store's backend
    pqxx::connection admin(where);
    pqxx::nontransaction(admin).exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
        "pg_backend_pid()");
  }
  CHECK(store->device(d.node));  // the statement that meets the break runs again on a new connection
  test::Maker m{d.node};
  CHECK(push(*store, d.node, {write(m, sync::randomId())}) == 1);
  CHECK(store->leads());  // taken again on the new connection (nobody else holds it)
  auto other = ServerStore::open(where);
  CHECK_FALSE(other->leads());
}
