// Raw SQLite, tuned like the node's store (WAL, synchronous=NORMAL): the
// baseline that fieldsync's figures are compared with in the same run.
#pragma once

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace fieldsync::bench {

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) die("open");
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  }
  ~RawDb() {
    sqlite3_finalize(stmt_);
    sqlite3_close(db_);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) die(sql);
  }
  void prepare(const char* sql) {
    sqlite3_finalize(stmt_);
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK) die(sql);
  }
  // Binds integers to the prepared statement and runs it.
  void run(std::initializer_list<long long> ints) {
    int i = 0;
    for (long long v : ints) sqlite3_bind_int64(stmt_, ++i, v);
    if (sqlite3_step(stmt_) != SQLITE_DONE) die("step");
    sqlite3_reset(stmt_);
  }

 private:
  [[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "raw sqlite: %s: %s\n", what, sqlite3_errmsg(db_));
    std::exit(1);
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace fieldsync::bench
