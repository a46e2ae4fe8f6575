#include "node/internal/sqlite.h"

#include <mutex>

namespace fieldsync::node {

Db::Db(const std::string& path, bool create) {
  static std::once_flag configured;
  std::call_once(configured, [] {
    // Memory statistics take a global mutex on every allocation; we read none.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StoreError("open " + path + ": " + msg, rc == SQLITE_BUSY);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA temp_store=FILE; "
       "PRAGMA cache_size=-16384;");
}

Db::~Db() {
  stmts_.clear();
  sqlite3_close_v2(db_);
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError("exec: " + msg, rc == SQLITE_BUSY);
  }
}

void Db::rollback() {
  if (!sqlite3_get_autocommit(db_)) exec("ROLLBACK");
}

int Db::userVersion() {
  Query q(stmt("PRAGMA user_version"));
  return q.step() ? static_cast<int>(q->i64(0)) : 0;
}

void Db::migrate(const char* const* migrations, int count) {
  const int version = userVersion();
  if (version > count)
    throw StoreError("the database has schema version " + std::to_string(version) + ", newer than this program's " +
                         std::to_string(count) + "; use a newer fieldsync",
                     false);
  if (version == count) return;
  begin();
  try {
    for (int v = version; v < count; ++v) exec(migrations[v]);
    exec(("PRAGMA user_version=" + std::to_string(count)).c_str());
    commit();
  } catch (...) {
    rollback();
    throw;
  }
}

}  // namespace fieldsync::node
