// Resource faults (issue 12, section 6): a full disk and a read-only
// database give a clear error that says to retry, lose nothing, and work
// resumes when the resource returns.
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "server/server_fixture.h"

using namespace fieldsync::test;

namespace {

// A small tmpfs of its own, or the reason it cannot be mounted here.
struct SmallDisk {
  TempDir dir;
  std::string path = dir.file("disk");
  std::string why_not;
  SmallDisk() {
    ::mkdir(path.c_str(), 0700);
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, "size=16m") != 0) why_not = std::strerror(errno);
  }
  ~SmallDisk() {
    if (why_not.empty()) ::umount2(path.c_str(), MNT_DETACH);
  }
  void fill() {  // until no byte more fits
    std::ofstream filler(path + "/filler", std::ios::binary);
    const std::string block(1 << 16, 'x');
    while (filler.write(block.data(), block.size())) {
    }
    filler.close();
    std::ofstream last(path + "/filler2", std::ios::binary);
    for (int i = 0; i < (1 << 16) && last.put('x'); ++i) {
    }
  }
  void free() {
    std::filesystem::remove(path + "/filler");
    std::filesystem::remove(path + "/filler2");
  }
};

}  // namespace

TEST_CASE("with the server's disk full a sync fails as retryable, and succeeds with nothing lost once space returns",
          "[server][resource]") {
  SmallDisk disk;
  if (!disk.why_not.empty()) {
    WARN("skipped: cannot mount a tmpfs here (" + disk.why_not + ")");
    return;
  }
  TestServer s(disk.path + "/data");
  TempDir dir;
  Device d(s, dir, "d.db", "admin");
  addCatalogue(*d.node);
  REQUIRE(d.sync());
  disk.fill();
  for (int i = 0; i < 200; ++i) REQUIRE(Stock(*d.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1)));
  auto full = d.sync();
  REQUIRE_FALSE(full);
  CHECK(full.error().code == Errc::unavailable);  // exit 4: retry later
  CHECK_THAT(full.error().message, Catch::Contains("full"));
  disk.free();
  auto again = d.sync();
  INFO((again ? "" : again.error().message));
  REQUIRE(again);
  CHECK(*s.server->exportJson() == exportOf(*d.node));
  CHECK(s.ops() == *d.node->opCount());
}

TEST_CASE("a node database that cannot be written is refused when opened, saying why", "[node][resource]") {
  TempDir dir;
  const std::string path = dir.file("n.db");
  { auto n = newNode(dir, "n.db"); addCatalogue(*n); }
  ::chmod(path.c_str(), 0400);
  if (::geteuid() == 0) {  // root writes whatever the mode says: open it read-only another way
    SmallDisk disk;
    if (!disk.why_not.empty()) {
      WARN("skipped: running as root, and cannot mount a read-only filesystem here (" + disk.why_not + ")");
      return;
    }
    std::filesystem::copy_file(path, disk.path + "/n.db");
    REQUIRE(::mount("tmpfs", disk.path.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=16m") == 0);
    auto n = Node::open(disk.path + "/n.db");
    REQUIRE_FALSE(n);
    CHECK(n.error().code == Errc::invalid_input);
    CHECK_THAT(n.error().message, Catch::EndsWith("n.db' is read-only (the file or its directory cannot be written)"));
    return;
  }
  auto n = Node::open(path);
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Errc::invalid_input);
  CHECK_THAT(n.error().message, Catch::Contains("read-only"));
}
