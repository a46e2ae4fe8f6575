#include "storage/sqlite.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

using namespace fieldsync::storage;
using fieldsync::test::TempDir;

namespace {
std::size_t openFiles() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

constexpr const char* kTable = "CREATE TABLE t(k INTEGER PRIMARY KEY, v)";
}  // namespace

TEST_CASE("a file that is not a database is refused and leaves no connection open", "[storage]") {
  TempDir dir;
  std::ofstream(dir.file("notes.txt")) << std::string(8192, 'x');
  const std::size_t before = openFiles();
  for (int i = 0; i < 5; ++i) {
    try {
      Db db(dir.file("notes.txt"), false);
      FAIL("a text file opened as a database");
    } catch (const StoreError& e) {
      CHECK(e.code == fieldsync::sync::Errc::invalid_input);
      CHECK_THAT(e.what(), Catch::Contains("not a database"));
    }
  }
  CHECK(openFiles() == before);
}

TEST_CASE("text and blobs bound from temporaries are still there when the statement steps", "[storage]") {
  TempDir dir;
  Db db(dir.file("t.db"), true);
  db.exec(kTable);
  {
    Query insert(db.stmt("INSERT INTO t(k, v) VALUES(?, ?)"), std::int64_t{1}, std::string(200, 'a'));
    // The temporary above is gone; a new string of the same size takes its memory.
    const std::string other(200, 'b');
    insert.run();
    CHECK(other[0] == 'b');
  }
  {
    Stmt& s = db.stmt("INSERT INTO t(k, v) VALUES(?, ?)");
    Query insert(s, std::int64_t{2});
    s.bindBlob(2, std::string(100, '\1'));
    const std::string other(100, '\2');
    insert.run();
  }
  Query read(db.stmt("SELECT v FROM t ORDER BY k"));
  REQUIRE(read.step());
  CHECK(read->text(0) == std::string(200, 'a'));
  REQUIRE(read.step());
  CHECK(read->blob(0) == std::string(100, '\1'));
}

TEST_CASE("a transaction rolls back unless it is committed", "[storage]") {
  TempDir dir;
  Db db(dir.file("t.db"), true);
  db.exec(kTable);
  auto count = [&] {
    Query q(db.stmt("SELECT count(*) FROM t"));
    q.step();
    return q->i64(0);
  };
  {
    Transaction tx(db);
    db.exec("INSERT INTO t(v) VALUES(1)");
    CHECK(db.inTransaction());
  }
  CHECK_FALSE(db.inTransaction());
  CHECK(count() == 0);
  try {
    Transaction tx(db);
    db.exec("INSERT INTO t(v) VALUES(1)");
    db.exec("INSERT INTO nowhere VALUES(1)");
    tx.commit();
  } catch (const StoreError&) {
  }
  CHECK(count() == 0);
  {
    Transaction tx(db);
    db.exec("INSERT INTO t(v) VALUES(1)");
    tx.commit();
  }
  CHECK(count() == 1);
}

TEST_CASE("migrations run once, in order, and a newer database is refused", "[storage]") {
  TempDir dir;
  constexpr const char* kV1[] = {"CREATE TABLE a(x)"};
  constexpr const char* kV2[] = {"CREATE TABLE a(x)", "CREATE TABLE b(y)"};
  {
    Db db(dir.file("m.db"), true);
    db.migrate(kV1);
    db.migrate(kV1);  // nothing to do the second time
    db.migrate(kV2);
    CHECK(db.userVersion() == 2);
  }
  Db db(dir.file("m.db"), false);
  CHECK_THROWS_WITH(db.migrate(kV1), Catch::Contains("newer than this program"));
}
