// Raw SQLite, tuned like the node's store (the same connection settings):
// the baseline that fieldsync's figures are compared with in the same run.
// Plain statements on one connection, without fieldsync's model.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>

#include "storage/sqlite.h"

namespace fieldsync::bench {

class RawDb {
 public:
  explicit RawDb(const std::string& path) : db_(path, true) {}

  void exec(const char* sql) { db_.exec(sql); }
  void prepare(const char* sql) { stmt_ = db_.prepare(sql); }
  // Binds integers to the prepared statement and runs it.
  void run(std::initializer_list<long long> ints) {
    int i = 0;
    for (long long v : ints) stmt_->bind(++i, static_cast<std::int64_t>(v));
    stmt_->step();
    stmt_->reset();
  }

 private:
  storage::Db db_;
  std::unique_ptr<storage::Stmt> stmt_;
};

}  // namespace fieldsync::bench
