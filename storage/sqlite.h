// fieldsync::storage: RAII wrappers over SQLite for the project's storage
// files (the node's store and the server's). sqlite3 handles live only in
// sqlite.cpp; each storage file keeps its own SQL. Failures throw
// StoreError, which the node and the server catch at their APIs and return
// as Result errors. A Db and its statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sync/id.h"
#include "sync/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fieldsync::storage {

using sync::Id;

// A failure of the database file, with what the caller can do about it:
// unavailable (another process holds the write lock, or the disk is full:
// retry later), invalid_input (the path is not a usable database: not one,
// read-only, or not reachable), internal (the file or the program is broken).
struct StoreError : std::runtime_error {
  sync::Errc code = sync::Errc::internal;
  explicit StoreError(const std::string& what, sync::Errc c = sync::Errc::internal) : std::runtime_error(what), code(c) {}
  sync::Error error() const { return {code, what()}; }
};

// SQL text known at compile time. Statements are cached by the address of
// their text, so an Sql can only be made from a constant (a string literal,
// or a constexpr pointer to one), which lives as long as the program.
class Sql {
 public:
  consteval Sql(const char* text) : text_(text) {}  // NOLINT: implicit by design
  const char* text() const { return text_; }

 private:
  const char* text_;
};

// A prepared statement, finalized on destruction. Text and blobs are
// copied when bound, so a temporary argument may end before the step.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void bind(int i, std::int64_t v);
  void bind(int i, std::uint64_t v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, int v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, std::uint32_t v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, bool v) { bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  void bind(int i, std::nullopt_t);
  void bind(int i, std::string_view text);
  void bind(int i, const char* text) { bind(i, std::string_view(text)); }
  void bind(int i, const std::string& text) { bind(i, std::string_view(text)); }
  void bind(int i, const Id& id) { bindBlob(i, id.view()); }
  void bind(int i, const std::optional<Id>& id) { id ? bind(i, *id) : bind(i, std::nullopt); }
  void bind(int i, const std::array<std::uint8_t, 32>& bytes) {  // a hash (sync::Hash)
    bindBlob(i, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  void bindBlob(int i, std::string_view bytes);

  bool step();  // true while a row is available
  void reset();

  std::int64_t i64(int col) const;
  bool isNull(int col) const;
  std::string blob(int col) const;
  std::string text(int col) const;
  Id id(int col) const;  // throws StoreError unless the column holds 16 bytes
  std::optional<Id> optId(int col) const { return isNull(col) ? std::nullopt : std::optional<Id>(id(col)); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// A statement in use: bound on construction, reset when it goes out of scope.
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

// What kind of project database a file is: SQLite's application_id
// (https://www.sqlite.org/pragma.html#pragma_application_id), stamped when
// the file is made, so that opening a file of another kind, or no database
// at all, is refused before anything is written to it.
struct FileKind {
  std::int32_t application_id;
  const char* name;  // for messages: "a fieldsync node database"
};

// A connection (WAL mode) with a cache of prepared statements.
class Db {
 public:
  // Opens, or with `create` makes (mode 0600, like its -wal and -shm
  // files), a database file; throws StoreError, and then holds nothing open.
  // With a `kind`, an existing file must be of that kind (or an older file
  // of ours with a schema and no application_id yet, which is stamped);
  // otherwise StoreError(invalid_input) and the file is left as it was.
  Db(const std::string& path, bool create, const FileKind* kind = nullptr);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Stmt& stmt(Sql sql);                              // cached: prepared once
  std::unique_ptr<Stmt> prepare(const char* sql);  // not cached: for a loop whose body runs other queries
  void exec(const char* sql);
  // A consistent copy of the database as of now into the new file `path`
  // (VACUUM INTO: https://www.sqlite.org/lang_vacuum.html#vacuuminto),
  // while other connections go on reading and writing.
  void copyTo(const std::string& path);
  int userVersion();
  // Runs migrations[version..] in one transaction and sets user_version;
  // refuses a database newer than the program.
  void migrate(std::span<const char* const> migrations);
  std::int64_t changes() const;
  bool inTransaction() const;

 private:
  struct Close {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Close> db_;
  std::unordered_map<const char*, std::unique_ptr<Stmt>> stmts_;
};

// A write transaction (BEGIN IMMEDIATE), rolled back when it goes out of
// scope without commit(). Throws StoreError (busy: another writer).
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool open_ = true;
};

}  // namespace fieldsync::storage
