// Nothing is silently lost (issue 12, section 3): a node restored from a
// backup older than its last sync takes back what the server holds of its
// own ops, renumbers what it made since, and converges.
#include <catch2/catch.hpp>

#include <filesystem>

#include "server/server_fixture.h"

using namespace fieldsync::test;

namespace {

void receive(Node& n, int times) {
  for (int i = 0; i < times; ++i) REQUIRE(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1)));
}

// The node's files as they are now, or put back from a copy (the node closed meanwhile).
void copyDatabase(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(to + suffix);
    if (std::filesystem::exists(from + suffix)) std::filesystem::copy_file(from + suffix, to + suffix);
  }
}

}  // namespace

TEST_CASE("a node restored from a backup older than its last sync takes back its ops and loses nothing",
          "[server][reliability]") {
  TestServer s;
  TempDir dir;
  Device a(s, dir, "a.db", "admin"), b(s, dir, "b.db", "admin");
  addCatalogue(*a.node);
  receive(*a.node, 3);
  REQUIRE(a.sync());
  a.node.reset();
  copyDatabase(a.path, dir.file("backup.db"));  // last night's backup
  a.node = std::move(Node::open(a.path)).value();
  receive(*a.node, 5);  // this morning's work, synced
  REQUIRE(a.sync());
  const bool worked_since = GENERATE(false, true);
  a.node.reset();
  copyDatabase(dir.file("backup.db"), a.path);  // the tablet is restored from the backup
  a.node = std::move(Node::open(a.path)).value();
  if (worked_since) receive(*a.node, 2);  // new work, under seqs the server already holds for this morning's
  auto r = a.sync();
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
  CHECK(r->recovered == 10);  // five receipts: a document and a movement each
  CHECK(r->renumbered == (worked_since ? 4u : 0u));
  // The two documents made since the backup were numbered 4 and 5 again; the
  // server holds this morning's 4 to 8, so they become 9 and 10.
  const std::string doc = "D-" + a.node->nodeId().hex().substr(0, 8) + "-";
  using Renamed = std::vector<std::pair<std::string, std::string>>;
  CHECK(r->renamed == (worked_since ? Renamed{{doc + "0004", doc + "0009"}, {doc + "0005", doc + "0010"}} : Renamed{}));
  CHECK(r->pushed == (worked_since ? 4u : 0u));
  REQUIRE(b.sync());
  auto again = a.sync();  // and nothing is taken back twice
  REQUIRE(again);
  CHECK(again->recovered == 0);
  CHECK(again->pushed == 0);
  const std::string expected = worked_since ? "10" : "8";
  for (Node* n : {a.node.get(), b.node.get()}) {
    CHECK(balance(*n, "SEAL", "WH1") == expected);
    CHECK(*n->opCount() == *s.server->opCount());
    CHECK(*n->digest() == *s.server->digest());
    CHECK(exportOf(*n) == *s.server->exportJson());
  }
  receive(*a.node, 1);  // the next number is past every one in use
  CHECK(ok(Stock(*a.node).ledger("SEAL", "WH1")).back().doc == doc + (worked_since ? "0011" : "0009"));
}
