// RAII wrappers over SQLite for the project's storage files (the node's
// store and the server's). sqlite3 handles live only in these classes; each
// storage file keeps its own SQL. Failures throw StoreError, which the
// storage layer turns into Result errors at its API. Internal header.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "node/internal/store_error.h"
#include "sync/id.h"

namespace fieldsync::node {

using sync::Id;

[[noreturn]] inline void throwError(sqlite3* db, int rc, std::string_view context) {
  const bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
  throw StoreError(std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)), busy);
}

// A prepared statement, finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr); rc != SQLITE_OK)
      throwError(db, rc, "prepare");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(s_, i, v)); }
  void bind(int i, std::uint64_t v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, int v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, std::uint32_t v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, bool v) { bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  void bind(int i, std::nullopt_t) { check(sqlite3_bind_null(s_, i)); }
  void bind(int i, const Id& id) { bindBlob(i, id.view()); }
  void bind(int i, const std::optional<Id>& id) { id ? bind(i, *id) : bind(i, std::nullopt); }
  // Text and blobs are bound without a copy: the bytes must stay alive until
  // the statement is reset (Query resets at the end of its scope).
  void bind(int i, std::string_view text) {
    check(sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC));
  }
  void bindBlob(int i, std::string_view bytes) {
    check(sqlite3_bind_blob(s_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC));
  }

  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throwError(db_, rc, "step");
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  bool isNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string blob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : "";
  }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
             : "";
  }
  Id id(int col) const {
    auto r = Id::fromBytes(blob(col));
    if (!r) throw StoreError("a stored id is not 16 bytes", false);
    return *r;
  }
  std::optional<Id> optId(int col) const { return isNull(col) ? std::nullopt : std::optional<Id>(id(col)); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) throwError(db_, rc, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// A statement in use: bound on construction, reset when it goes out of scope.
// The arguments must outlive the Query (they are bound without copying).
class Query {
 public:
  template <class... Args>
  Query(Stmt& s, const Args&... args) : s_(s) {
    int i = 0;
    (s_.bind(++i, args), ...);
  }
  ~Query() { s_.reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  bool step() { return s_.step(); }
  const Stmt* operator->() const { return &s_; }
  const Stmt& row() const { return s_; }
  void run() {
    while (s_.step()) {
    }
  }

 private:
  Stmt& s_;
};


// A database connection with a cache of prepared statements, keyed by the
// address of their SQL text (string literals live for the whole program).
class Db {
 public:
  // Opens (or creates) a file in WAL mode; throws StoreError.
  Db(const std::string& path, bool create);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Stmt& stmt(const char* sql) {
    auto& slot = stmts_[sql];
    if (!slot) slot = std::make_unique<Stmt>(db_, sql);
    return *slot;
  }
  void exec(const char* sql);
  void begin() { exec("BEGIN IMMEDIATE"); }
  void commit() { exec("COMMIT"); }
  void rollback();  // if a transaction is open
  int userVersion();
  // Runs kMigrations[from..] in one transaction and sets user_version.
  void migrate(const char* const* migrations, int count);
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, std::unique_ptr<Stmt>> stmts_;
};

}  // namespace fieldsync::node
