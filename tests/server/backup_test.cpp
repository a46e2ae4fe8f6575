// Backups of a serving server, and restoring one (docs/server.md, "Backups").
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include "server/server_fixture.h"

using namespace fieldsync::test;

TEST_CASE("a backup taken during pushes and restored loses nothing once the devices sync again", "[server][backup]") {
  TempDir dir;
  TestServer s(dir.file("data"));
  Device a(s, dir, "a.db", "admin"), b(s, dir, "b.db", "admin");
  addCatalogue(*a.node);
  REQUIRE(a.sync());
  REQUIRE(b.sync());
  std::atomic<int> synced{0}, failed{0};
  std::thread pushing([&] {
    std::mt19937_64 rng(3);
    for (int i = 0; i < 40; ++i) {
      for (int k = 0; k < 5; ++k) (void)randomCommand(rng, *a.node, 0);
      (a.sync() ? synced : failed)++;
    }
  });
  while (synced < 10) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto taken = s.server->backup(dir.file("backup"));
  pushing.join();
  REQUIRE(taken);
  CHECK(failed == 0);
  std::mt19937_64 rng(4);
  for (int k = 0; k < 20; ++k) (void)randomCommand(rng, *b.node, 3);
  REQUIRE(b.sync());
  const std::uint64_t before = s.ops();
  CHECK(taken->ops < before);  // the devices did more after the backup
  auto last = s.server->lastBackup();
  REQUIRE(last);
  REQUIRE(*last);
  CHECK((*last)->path == taken->path);
  CHECK((*last)->ops == taken->ops);

  s.stop();
  REQUIRE(Server::restore(s.data, dir.file("backup")));
  s.start();
  auto known = s.server->lastBackup();  // the restored server knows which backup it is
  REQUIRE(known);
  REQUIRE(*known);
  CHECK((*known)->at == taken->at);
  // What the backup held (and what the replica raised catching up with its copy of the log).
  CHECK(s.ops() >= taken->ops);
  CHECK(s.ops() < before);
  for (int pass = 0; pass < 2; ++pass) {
    REQUIRE(a.sync());
    REQUIRE(b.sync());
  }
  checkConverged(s, a, b);  // every op each device made is held once, and all agree
  CHECK(s.ops() > taken->ops);
}

TEST_CASE("backup and restore refuse what would lose or mix data", "[server][backup]") {
  TempDir dir;
  TestServer s(dir.file("data"));
  REQUIRE(s.server->backup(dir.file("backup")));
  auto again = s.server->backup(dir.file("backup"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::invalid_input);
  CHECK_THAT(again.error().message, Catch::Contains("exists already"));

  auto serving = Server::restore(s.data, dir.file("backup"));  // the server serves
  REQUIRE_FALSE(serving);
  CHECK(serving.error().code == Errc::refused);
  CHECK_THAT(serving.error().message, Catch::Contains("stop it first"));

  auto inside = s.server->backup(s.data + "/backup");
  REQUIRE_FALSE(inside);
  CHECK_THAT(inside.error().message, Catch::Contains("inside the data directory"));
  auto nested = s.server->backup(dir.file("backup") + "/again");
  REQUIRE_FALSE(nested);
  CHECK_THAT(nested.error().message, Catch::Contains("inside another backup"));

  auto not_one = Server::restore(s.data, dir.file("nothing"));
  REQUIRE_FALSE(not_one);
  CHECK(not_one.error().code == Errc::invalid_input);
  CHECK_THAT(not_one.error().message, Catch::Contains("not a fieldsync server backup"));

  TestServer other(dir.file("other"));
  REQUIRE(other.server->backup(dir.file("other-backup")));
  s.stop();
  auto mixed = Server::restore(s.data, dir.file("other-backup"));
  REQUIRE_FALSE(mixed);
  CHECK(mixed.error().code == Errc::refused);
  CHECK_THAT(mixed.error().message, Catch::Contains("belongs to another server"));
  auto itself = Server::restore(s.data, s.data);
  REQUIRE_FALSE(itself);
  CHECK_THAT(itself.error().message, Catch::Contains("the data directory itself"));
  std::filesystem::create_directories(dir.file("junk"));
  std::ofstream(dir.file("junk") + "/notes.txt") << "mine";
  auto junk = Server::restore(dir.file("junk"), dir.file("other-backup"));
  REQUIRE_FALSE(junk);
  CHECK_THAT(junk.error().message, Catch::Contains("restore into an empty directory"));
  // Into an empty directory it makes that server again.
  REQUIRE(Server::restore(dir.file("fresh"), dir.file("other-backup")));
  auto fresh = Server::open(dir.file("fresh"), "", fieldsync::sync::Hlc::systemClock(), false);
  REQUIRE(fresh);
  CHECK((*fresh)->publicKeyHex() == other.server->publicKeyHex());
}
