// The only file that touches sqlite3 handles.
#include "storage/sqlite.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

namespace fieldsync::storage {
namespace {

sync::Errc codeOf(int rc) {
  switch (rc & 0xff) {  // the primary result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:  // on Linux, mostly a full disk that SQLite met while mapping -shm or writing
    case SQLITE_FULL: return sync::Errc::unavailable;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_NOTADB: return sync::Errc::invalid_input;
    default: return sync::Errc::internal;
  }
}

std::string explain(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL: return " (the disk is full: free some space, then retry)";
    case SQLITE_IOERR: return " (is the disk full? free some space, then retry)";
    case SQLITE_READONLY: return " (the file or its directory is read-only)";
    default: return "";
  }
}

[[noreturn]] void throwError(sqlite3* db, int rc, std::string_view context) {
  throw StoreError(std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) + explain(rc),
                   codeOf(rc));
}

}  // namespace

Stmt::Stmt(sqlite3* db, const char* sql) : db_(db) {
  if (int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr); rc != SQLITE_OK)
    throwError(db, rc, "prepare");
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

#define FIELDSYNC_CHECK_BIND(call) \
  if (int rc = (call); rc != SQLITE_OK) throwError(db_, rc, "bind")

void Stmt::bind(int i, std::int64_t v) { FIELDSYNC_CHECK_BIND(sqlite3_bind_int64(s_, i, v)); }
void Stmt::bind(int i, std::nullopt_t) { FIELDSYNC_CHECK_BIND(sqlite3_bind_null(s_, i)); }
void Stmt::bind(int i, std::string_view text) {
  FIELDSYNC_CHECK_BIND(sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
}
void Stmt::bindBlob(int i, std::string_view bytes) {
  FIELDSYNC_CHECK_BIND(sqlite3_bind_blob(s_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
}
#undef FIELDSYNC_CHECK_BIND

bool Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throwError(db_, rc, "step");
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::int64_t Stmt::i64(int col) const { return sqlite3_column_int64(s_, col); }
bool Stmt::isNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

std::string Stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : "";
}

std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
           : "";
}

Id Stmt::id(int col) const {
  auto r = Id::fromBytes(blob(col));
  if (!r) throw StoreError("a stored id is not 16 bytes");
  return *r;
}

void Db::Close::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Db::Db(const std::string& path, bool create, const FileKind* kind) {
  static std::once_flag configured;
  std::call_once(configured, [] {
    // Memory statistics take a global mutex on every allocation; we read none.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
  if (create) {  // SQLite would make it 0644 (less the umask); its -wal and -shm take the file's mode
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // owned from here on, also when what follows throws
  if (rc != SQLITE_OK)
    throw StoreError("open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) + explain(rc), codeOf(rc));
  sqlite3_busy_timeout(raw, 5000);
  // SQLite opens a file it may not write read-only, without a word; and in
  // WAL mode it must also make files beside it. Say so instead.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (sqlite3_db_readonly(raw, "main") == 1 || ::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0)
    throw StoreError("'" + path + "' is read-only (the file or its directory cannot be written)",
                     sync::Errc::invalid_input);
  if (kind) {
    std::int64_t id = 0;
    if (!create) {
      struct stat st {};
      const bool empty = ::stat(path.c_str(), &st) == 0 && st.st_size == 0;
      try {
        if (!empty) {
          Query q(stmt("PRAGMA application_id"));
          if (q.step()) id = q->i64(0);
        }
      } catch (const StoreError& e) {
        if (e.code == sync::Errc::unavailable) throw StoreError("'" + path + "' cannot be read now: " + e.what(), e.code);
        throw StoreError("'" + path + "' is not " + kind->name + " (" + e.what() + ")", e.code);
      }
      const bool older_of_ours = !empty && id == 0 && userVersion() > 0;
      if ((empty || id != kind->application_id) && !older_of_ours)
        throw StoreError("'" + path + "' is not " + kind->name + (empty ? " (it is empty)" : ""),
                         sync::Errc::invalid_input);
    }
    if (id != kind->application_id) exec(("PRAGMA application_id=" + std::to_string(kind->application_id)).c_str());
  }
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA temp_store=FILE; "
       "PRAGMA cache_size=-16384;");
}

Db::~Db() { stmts_.clear(); }  // statements before the connection

Stmt& Db::stmt(Sql sql) {
  auto& slot = stmts_[sql.text()];
  if (!slot) slot = std::make_unique<Stmt>(db_.get(), sql.text());
  return *slot;
}

std::unique_ptr<Stmt> Db::prepare(const char* sql) { return std::make_unique<Stmt>(db_.get(), sql); }

void Db::exec(const char* sql) {
  char* err = nullptr;
  if (int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError("exec: " + msg + explain(rc), codeOf(rc));
  }
}

void Db::copyTo(const std::string& path) {
  Stmt s(db_.get(), "VACUUM INTO ?");
  s.bind(1, path);
  s.step();
}

int Db::userVersion() {
  Query q(stmt("PRAGMA user_version"));
  return q.step() ? static_cast<int>(q->i64(0)) : 0;
}

void Db::migrate(std::span<const char* const> migrations) {
  const int count = static_cast<int>(migrations.size());
  const int version = userVersion();
  if (version > count)
    throw StoreError("the database has schema version " + std::to_string(version) + ", newer than this program's " +
                         std::to_string(count) + "; use a newer fieldsync",
                     sync::Errc::refused);
  if (version == count) return;
  Transaction tx(*this);
  for (int v = version; v < count; ++v) exec(migrations[static_cast<std::size_t>(v)]);
  exec(("PRAGMA user_version=" + std::to_string(count)).c_str());
  tx.commit();
}

std::int64_t Db::changes() const { return sqlite3_changes64(db_.get()); }
bool Db::inTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!open_ || !db_.inTransaction()) return;  // SQLite may have rolled back by itself
  try {
    db_.exec("ROLLBACK");
  } catch (const StoreError&) {
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace fieldsync::storage
