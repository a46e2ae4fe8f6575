// The SQLite store: one server process (store.h).
#include "server/internal/store.h"

#include <sys/stat.h>

#include "node/attachments.h"
#include "storage/sqlite.h"
#include "sync/bytes.h"
#include "sync/codec.h"

namespace fieldsync::server {

using storage::Db;
using storage::Query;
using storage::Stmt;
using storage::StoreError;
using sync::Id;
using sync::Op;

namespace {

constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE tokens(hash BLOB PRIMARY KEY, branch TEXT NOT NULL, role TEXT NOT NULL, expires_at INTEGER NOT NULL,
                    used_at INTEGER, used_by BLOB) WITHOUT ROWID;
CREATE TABLE devices(node BLOB PRIMARY KEY, sign_pk BLOB NOT NULL, branch TEXT NOT NULL, role TEXT NOT NULL,
                     enrolled_at INTEGER NOT NULL, last_contact INTEGER NOT NULL DEFAULT 0,
                     clock_offset_ms INTEGER NOT NULL DEFAULT 0, ops_received INTEGER NOT NULL DEFAULT 0,
                     watermark INTEGER NOT NULL DEFAULT 0, cursor INTEGER NOT NULL DEFAULT 0,
                     revoked_at INTEGER) WITHOUT ROWID;
-- server_seq is the order the server learnt each op: pulls and cursors use it.
CREATE TABLE ops(server_seq INTEGER PRIMARY KEY AUTOINCREMENT, node BLOB NOT NULL, seq INTEGER NOT NULL,
                 body BLOB NOT NULL, UNIQUE(node, seq));
-- Every push as received, with the device's signature over the batch bytes.
CREATE TABLE batches(id INTEGER PRIMARY KEY, node BLOB NOT NULL, received_at INTEGER NOT NULL,
                     first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, batch BLOB NOT NULL,
                     signature BLOB NOT NULL);
)sql",
    R"sql(
ALTER TABLE tokens ADD COLUMN person TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN person TEXT NOT NULL DEFAULT '';
-- Pushed ops outside their device's rights (docs/scopes.md, "Quarantine"):
-- held here, in no pull and not merged, until a supervisor releases them
-- (into ops, at the head) or rejects them. Their batches stay in batches.
CREATE TABLE quarantine(node BLOB NOT NULL, seq INTEGER NOT NULL, body BLOB NOT NULL, reason TEXT NOT NULL,
                        received_at INTEGER NOT NULL, decision TEXT, decided_at INTEGER,
                        PRIMARY KEY(node, seq)) WITHOUT ROWID;
)sql",
    R"sql(
-- The entities each device holds (docs/scopes.md): their history was sent
-- and applied. Not kept for administrators, who hold everything.
CREATE TABLE scope_held(device BLOB NOT NULL, entity BLOB NOT NULL, type INTEGER NOT NULL,
                        PRIMARY KEY(device, entity)) WITHOUT ROWID;
)sql",
    R"sql(
-- Attachments (docs/protocol.md, "Attachments"): the images pushed ops refer
-- to, kept with them; a partial upload grows until complete. attachment_refs
-- names the ops that refer to each (held: in quarantine, undecided or rejected).
CREATE TABLE attachments(hash BLOB NOT NULL UNIQUE, type TEXT NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL,
                         complete INTEGER NOT NULL DEFAULT 0, device BLOB NOT NULL, received_at INTEGER NOT NULL);
CREATE TABLE attachment_refs(hash BLOB NOT NULL, device BLOB NOT NULL, seq INTEGER NOT NULL, entity BLOB NOT NULL,
                             held INTEGER NOT NULL, PRIMARY KEY(hash, device, seq)) WITHOUT ROWID;
)sql",
    R"sql(
-- Each op's entity, so that a scoped pull reads the ops of the entities its
-- device holds through an index instead of the whole log after its cursor
-- (docs/performance.md, "Scoped pulls"). Ops logged before are filled in
-- from their bodies when the store opens (fillEntities).
ALTER TABLE ops ADD COLUMN entity BLOB;
ALTER TABLE quarantine ADD COLUMN entity BLOB;
CREATE INDEX ops_by_entity ON ops(entity, server_seq);
)sql",
};

Device deviceAt(const Stmt& s) {
  Device d;
  d.node = s.id(0);
  auto key = sync::publicKeyFromBytes(s.blob(1));
  if (!key) throw StoreError("a stored device key is not 32 bytes");
  d.key = *key;
  d.branch = s.text(2);
  d.role = s.text(3);
  d.enrolled_at = s.i64(4);
  d.last_contact = s.i64(5);
  d.clock_offset_ms = s.i64(6);
  d.ops_received = static_cast<std::uint64_t>(s.i64(7));
  d.watermark = static_cast<std::uint64_t>(s.i64(8));
  d.cursor = static_cast<std::uint64_t>(s.i64(9));
  if (!s.isNull(10)) d.revoked_at = s.i64(10);
  d.person = s.text(11);
  return d;
}

#define FIELDSYNC_DEVICE_COLUMNS                                                                                        \
  "SELECT node, sign_pk, branch, role, enrolled_at, last_contact, clock_offset_ms, ops_received, watermark, " \
  "cursor, revoked_at, person FROM devices "

std::string_view bytes(const sync::Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }


// The SQLite backend: DATA/server.db.
class SqliteStore final : public ServerStore {
 public:
  explicit SqliteStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  std::unique_ptr<Transaction> transaction() override;
  bool shared() const override { return false; }
  bool leads() override { return true; }
  void onLogGrew(std::function<void()>) override {}
  bool claimReplica(const Id&) override { return true; }
  std::optional<std::string> meta(const std::string& key) override;
  void setMeta(const std::string& key, const std::string& value) override;
  void addToken(const sync::Hash& token_hash, const Token& t) override;
  std::optional<Token> token(const sync::Hash& token_hash) override;
  void useToken(const sync::Hash& token_hash, const Id& node, std::int64_t at) override;
  std::vector<std::pair<std::string, Token>> tokens() override;
  void addDevice(const Device& d) override;
  std::optional<Device> device(const Id& node) override;
  std::vector<Device> devices() override;
  void touch(const Id& node, std::int64_t at, std::int64_t clock_offset_ms) override;
  bool revoke(const Id& node, std::int64_t at) override;
  void setCursor(const Id& node, std::uint64_t cursor) override;
  void contacted(const Id& node, std::int64_t at) override;
  std::uint64_t appendPush(const Id& node, const std::vector<Op>& ops, const std::vector<std::string>& held,
                           const std::string& batch, const std::string& signature, std::int64_t at) override;
  std::vector<HeldOp> held(const Id& node) override;
  std::uint64_t quarantinedEver(const Id& node) override;
  std::uint64_t decide(const Id& node, bool release, std::int64_t at) override;
  void appendOwn(const std::vector<Op>& ops) override;
  std::vector<LoggedOp> opsAfter(std::uint64_t cursor, const Id& exclude, std::size_t limit) override;
  std::vector<LoggedOp> scopedOpsAfter(const Id& device, std::uint64_t cursor, std::size_t limit,
                                       bool by_entity) override;
  std::uint64_t head() override;
  std::set<node::ScopeKey> scopeHeld(const Id& device) override;
  void holdScope(const Id& device, std::span<const node::ScopeKey> add, std::span<const Id> drop) override;
  void forgetScope(const Id& device) override;
  std::vector<Op> ownOps(const Id& node, std::uint64_t after_seq, std::size_t limit) override;
  std::uint64_t opCount() override;
  std::optional<StoredAttachment> attachment(const sync::Hash& h) override;
  void putAttachmentPiece(const sync::Hash& h, std::string_view type, std::uint64_t size, std::string_view data,
                          const Id& device, std::int64_t at) override;
  void completeAttachment(const sync::Hash& h) override;
  void dropAttachment(const sync::Hash& h) override;
  std::string attachmentPiece(const sync::Hash& h, std::uint64_t offset, std::size_t max) override;
  bool refersTo(const Id& device, const sync::Hash& h) override;
  std::vector<Id> attachmentEntities(const sync::Hash& h) override;

 private:
  std::unique_ptr<Db> db_;
};

struct SqliteTransaction final : SqliteStore::Transaction {
  explicit SqliteTransaction(Db& db) : tx(db) {}
  void commit() override { tx.commit(); }
  storage::Transaction tx;
};

}  // namespace

Op decodeStoredOp(std::string_view body) {
  auto op = sync::decodeOp(body, sync::DecodeLimits{.max_bytes = 64u << 20, .max_fields = 4096});
  if (!op) throw StoreError("a stored op does not decode: " + op.error().message);
  return std::move(op).value();
}

bool ServerStore::isPostgres(std::string_view where) {
  return where.starts_with("postgresql://") || where.starts_with("postgres://");
}

std::unique_ptr<ServerStore> ServerStore::open(const std::string& where) {
  return isPostgres(where) ? openPostgresStore(where) : openSqliteStore(where);
}

namespace {
// The entity of each op logged or held before migration 5, from its body
// (a few thousand rows per statement; the index finds them). Runs at every
// opening, so a fill cut short by a crash goes on.
void fillEntities(Db& db) {
  for (const char* table : {"ops", "quarantine"}) {
    const std::string select = std::string("SELECT node, seq, body FROM ") + table + " WHERE entity IS NULL LIMIT 5000";
    const std::string update = std::string("UPDATE ") + table + " SET entity = ? WHERE node = ? AND seq = ?";
    for (;;) {
      std::vector<std::pair<Id, std::pair<std::int64_t, Id>>> rows;  // entity, (seq, node)
      {
        auto s = db.prepare(select.c_str());
        while (s->step()) rows.push_back({decodeStoredOp(s->blob(2)).entity, {s->i64(1), s->id(0)}});
      }
      if (rows.empty()) break;
      storage::Transaction tx(db);
      auto u = db.prepare(update.c_str());
      for (const auto& [entity, at] : rows) Query(*u, entity, at.second, at.first).run();
      tx.commit();
    }
  }
}
}  // namespace

std::unique_ptr<ServerStore> openSqliteStore(const std::string& path) {
  static constexpr storage::FileKind kServerFile{0x46535356, "a fieldsync server database"};  // "FSSV"
  struct stat st {};
  auto db = std::make_unique<Db>(path, ::stat(path.c_str(), &st) != 0, &kServerFile);
  db->migrate(kMigrations);
  fillEntities(*db);
  return std::make_unique<SqliteStore>(std::move(db));
}

std::unique_ptr<ServerStore::Transaction> SqliteStore::transaction() { return std::make_unique<SqliteTransaction>(*db_); }

std::optional<std::string> SqliteStore::meta(const std::string& key) {
  Query q(db_->stmt("SELECT value FROM meta WHERE key = ?"), std::string_view(key));
  if (!q.step()) return std::nullopt;
  return q->text(0);
}

std::uint64_t ServerStore::metaNumber(const std::string& key) {
  const auto text = meta(key);
  if (!text) return 0;
  auto n = sync::parseUnsigned(*text, "meta " + key);
  if (!n) throw StoreError("the server's store is damaged: " + n.error().message);
  return *n;
}

void SqliteStore::setMeta(const std::string& key, const std::string& value) {
  Query(db_->stmt("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
        std::string_view(key), std::string_view(value))
      .run();
}

void SqliteStore::addToken(const sync::Hash& token_hash, const Token& t) {
  Stmt& s = db_->stmt("INSERT INTO tokens(hash, branch, role, person, expires_at) VALUES(?, ?, ?, ?, ?)");
  Query q(s);
  s.bindBlob(1, bytes(token_hash));
  s.bind(2, std::string_view(t.branch));
  s.bind(3, std::string_view(t.role));
  s.bind(4, std::string_view(t.person));
  s.bind(5, t.expires_at);
  q.run();
}

std::optional<Token> SqliteStore::token(const sync::Hash& token_hash) {
  Stmt& s =
      db_->stmt("SELECT branch, role, person, expires_at, used_at IS NOT NULL, used_by FROM tokens WHERE hash = ?");
  Query q(s);
  s.bindBlob(1, bytes(token_hash));
  if (!q.step()) return std::nullopt;
  return Token{q->text(0), q->text(1), q->text(2), q->i64(3), q->i64(4) != 0, q->optId(5)};
}

std::vector<std::pair<std::string, Token>> SqliteStore::tokens() {
  Stmt& s = db_->stmt(
      "SELECT hash, branch, role, person, expires_at, used_at IS NOT NULL, used_by FROM tokens ORDER BY expires_at DESC");
  Query q(s);
  std::vector<std::pair<std::string, Token>> out;
  while (q.step())
    out.push_back({sync::toHex(q->blob(0)).substr(0, 8),
                   Token{q->text(1), q->text(2), q->text(3), q->i64(4), q->i64(5) != 0, q->optId(6)}});
  return out;
}

void SqliteStore::useToken(const sync::Hash& token_hash, const Id& node, std::int64_t at) {
  Stmt& s = db_->stmt("UPDATE tokens SET used_at = ?, used_by = ? WHERE hash = ? AND used_at IS NULL");
  Query q(s, at, node);
  s.bindBlob(3, bytes(token_hash));
  q.run();
  if (db_->changes() != 1) throw StoreError("the token was used concurrently");
}

void SqliteStore::addDevice(const Device& d) {
  Stmt& s =
      db_->stmt("INSERT INTO devices(node, sign_pk, branch, role, person, enrolled_at) VALUES(?, ?, ?, ?, ?, ?)");
  Query q(s, d.node);
  s.bindBlob(2, std::string_view(reinterpret_cast<const char*>(d.key.data()), d.key.size()));
  s.bind(3, std::string_view(d.branch));
  s.bind(4, std::string_view(d.role));
  s.bind(5, std::string_view(d.person));
  s.bind(6, d.enrolled_at);
  q.run();
}

std::optional<Device> SqliteStore::device(const Id& node) {
  Query q(db_->stmt(FIELDSYNC_DEVICE_COLUMNS "WHERE node = ?"), node);
  if (!q.step()) return std::nullopt;
  return deviceAt(q.row());
}

std::vector<Device> SqliteStore::devices() {
  Query q(db_->stmt(FIELDSYNC_DEVICE_COLUMNS "ORDER BY branch, role, enrolled_at"));
  std::vector<Device> out;
  while (q.step()) out.push_back(deviceAt(q.row()));
  return out;
}

void SqliteStore::touch(const Id& node, std::int64_t at, std::int64_t clock_offset_ms) {
  Query(db_->stmt("UPDATE devices SET last_contact = ?, clock_offset_ms = ? WHERE node = ?"), at, clock_offset_ms, node)
      .run();
}

bool SqliteStore::revoke(const Id& node, std::int64_t at) {
  Query(db_->stmt("UPDATE devices SET revoked_at = coalesce(revoked_at, ?) WHERE node = ?"), at, node).run();
  return db_->changes() == 1;
}

void SqliteStore::contacted(const Id& node, std::int64_t at) {
  Query(db_->stmt("UPDATE devices SET last_contact = ? WHERE node = ? AND last_contact < ?"), at, node, at).run();
}

void SqliteStore::setCursor(const Id& node, std::uint64_t cursor) {
  Query(db_->stmt("UPDATE devices SET cursor = ? WHERE node = ?"), cursor, node).run();
}

std::uint64_t SqliteStore::appendPush(const Id& node, const std::vector<Op>& ops, const std::vector<std::string>& held,
                                      const std::string& batch, const std::string& signature, std::int64_t at) {
  std::uint64_t watermark = 0;
  {
    Query q(db_->stmt("SELECT watermark FROM devices WHERE node = ?"), node);
    if (!q.step()) throw StoreError("push from an unknown device");
    watermark = static_cast<std::uint64_t>(q->i64(0));
  }
  std::uint64_t added = 0, first = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.id.seq <= watermark) continue;  // already here: a re-sent batch
    if (!first) first = op.id.seq;
    const std::string body = sync::encodeOp(op);
    if (!held[i].empty()) {
      Stmt& s = db_->stmt(
          "INSERT INTO quarantine(node, seq, entity, body, reason, received_at) VALUES(?, ?, ?, ?, ?, ?)");
      Query q(s, op.id.node, op.id.seq, op.entity);
      s.bindBlob(4, body);
      s.bind(5, std::string_view(held[i]));
      s.bind(6, at);
      q.run();
    } else {
      Stmt& s = db_->stmt("INSERT INTO ops(node, seq, entity, body) VALUES(?, ?, ?, ?)");
      Query q(s, op.id.node, op.id.seq, op.entity);
      s.bindBlob(4, body);
      q.run();
    }
    if (const auto attached = node::attachmentOf(op))
      Query(db_->stmt("INSERT OR IGNORE INTO attachment_refs(hash, device, seq, entity, held) VALUES(?, ?, ?, ?, ?)"),
            *attached, op.id.node, op.id.seq, op.entity, !held[i].empty())
          .run();
    watermark = op.id.seq;
    ++added;
  }
  if (added) {
    Stmt& s = db_->stmt(
        "INSERT INTO batches(node, received_at, first_seq, last_seq, batch, signature) VALUES(?, ?, ?, ?, ?, ?)");
    Query q(s, node, at, first, watermark);
    s.bindBlob(5, batch);
    s.bindBlob(6, signature);
    q.run();
    Query(db_->stmt("UPDATE devices SET watermark = ?, ops_received = ops_received + ? WHERE node = ?"), watermark,
          added, node)
        .run();
  }
  return watermark;
}

void SqliteStore::appendOwn(const std::vector<Op>& ops) {
  for (const Op& op : ops) {
    const std::string body = sync::encodeOp(op);
    Stmt& s = db_->stmt("INSERT INTO ops(node, seq, entity, body) VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING");
    Query q(s, op.id.node, op.id.seq, op.entity);
    s.bindBlob(4, body);
    q.run();
  }
}

namespace {
std::vector<LoggedOp> loggedOps(Query& q) {  // rows of (server_seq, body)
  std::vector<LoggedOp> out;
  while (q.step()) {
    Op op = decodeStoredOp(q->blob(1));
    out.push_back({static_cast<std::uint64_t>(q->i64(0)), std::move(op)});
  }
  return out;
}
}  // namespace

std::vector<LoggedOp> SqliteStore::opsAfter(std::uint64_t cursor, const Id& exclude, std::size_t limit) {
  Query q(db_->stmt("SELECT server_seq, body FROM ops WHERE server_seq > ? AND node != ? ORDER BY server_seq LIMIT ?"),
          cursor, exclude, static_cast<std::int64_t>(limit));
  return loggedOps(q);
}

std::vector<LoggedOp> SqliteStore::scopedOpsAfter(const Id& device, std::uint64_t cursor, std::size_t limit,
                                                  bool by_entity) {
  // CROSS JOIN fixes the loop order (https://www.sqlite.org/optoverview.html#crossjoin).
  Query q(by_entity ? db_->stmt("SELECT o.server_seq, o.body FROM scope_held h CROSS JOIN ops o "
                                "ON o.entity = h.entity AND o.server_seq > ?2 "
                                "WHERE h.device = ?1 AND o.node != ?1 ORDER BY o.server_seq LIMIT ?3")
                    : db_->stmt("SELECT o.server_seq, o.body FROM ops o CROSS JOIN scope_held h "
                                "ON h.device = ?1 AND h.entity = o.entity "
                                "WHERE o.server_seq > ?2 AND o.node != ?1 ORDER BY o.server_seq LIMIT ?3"),
          device, cursor, static_cast<std::int64_t>(limit));
  return loggedOps(q);
}

std::vector<Op> SqliteStore::ownOps(const Id& node, std::uint64_t after_seq, std::size_t limit) {
  Query q(db_->stmt("SELECT body FROM (SELECT seq, body FROM ops WHERE node = ?1 AND seq > ?2 UNION ALL "
                    "SELECT seq, body FROM quarantine WHERE node = ?1 AND seq > ?2) ORDER BY seq LIMIT ?3"),
          node, after_seq, static_cast<std::int64_t>(limit));
  std::vector<Op> out;
  while (q.step()) {
    Op op = decodeStoredOp(q->blob(0));
    out.push_back(std::move(op));
  }
  return out;
}

std::vector<HeldOp> SqliteStore::held(const Id& node) {
  Query q(db_->stmt("SELECT body, reason FROM quarantine WHERE node = ? AND decision IS NULL ORDER BY seq"), node);
  std::vector<HeldOp> out;
  while (q.step()) {
    Op op = decodeStoredOp(q->blob(0));
    out.push_back({std::move(op), q->text(1)});
  }
  return out;
}

std::uint64_t SqliteStore::quarantinedEver(const Id& node) {
  Query q(db_->stmt("SELECT count(*) FROM quarantine WHERE node = ?"), node);
  q.step();
  return static_cast<std::uint64_t>(q->i64(0));
}

std::uint64_t SqliteStore::decide(const Id& node, bool release, std::int64_t at) {
  if (release) {  // at the head of the log: every cursor is before them
    Query(db_->stmt("INSERT INTO ops(node, seq, entity, body) SELECT node, seq, entity, body FROM quarantine "
                    "WHERE node = ? AND decision IS NULL ORDER BY seq"),
          node)
        .run();
    Query(db_->stmt("UPDATE attachment_refs SET held = 0 WHERE device = ?1 AND held = 1 AND seq IN "
                    "(SELECT seq FROM quarantine WHERE node = ?1 AND decision IS NULL)"),
          node)
        .run();
  }
  Query(db_->stmt("UPDATE quarantine SET decision = ?, decided_at = ? WHERE node = ? AND decision IS NULL"),
        std::string_view(release ? "released" : "rejected"), at, node)
      .run();
  return static_cast<std::uint64_t>(db_->changes());
}

std::set<node::ScopeKey> SqliteStore::scopeHeld(const Id& device) {
  Query q(db_->stmt("SELECT type, entity FROM scope_held WHERE device = ?"), device);
  std::set<node::ScopeKey> out;
  while (q.step()) out.insert({static_cast<sync::EntityType>(q->i64(0)), q->id(1)});
  return out;
}

void SqliteStore::holdScope(const Id& device, std::span<const node::ScopeKey> add, std::span<const Id> drop) {
  for (const auto& [type, id] : add)
    Query(db_->stmt("INSERT INTO scope_held(device, entity, type) VALUES(?, ?, ?) ON CONFLICT DO NOTHING"), device, id,
          static_cast<std::int64_t>(type))
        .run();
  for (const Id& id : drop) Query(db_->stmt("DELETE FROM scope_held WHERE device = ? AND entity = ?"), device, id).run();
}

void SqliteStore::forgetScope(const Id& device) {
  Query(db_->stmt("DELETE FROM scope_held WHERE device = ?"), device).run();
}

std::uint64_t SqliteStore::head() {
  Query q(db_->stmt("SELECT coalesce(max(server_seq), 0) FROM ops"));
  q.step();
  return static_cast<std::uint64_t>(q->i64(0));
}

std::uint64_t SqliteStore::opCount() {
  Query q(db_->stmt("SELECT count(*) FROM ops"));
  q.step();
  return static_cast<std::uint64_t>(q->i64(0));
}

std::optional<StoredAttachment> SqliteStore::attachment(const sync::Hash& h) {
  Query q(db_->stmt("SELECT type, size, length(data), complete FROM attachments WHERE hash = ?"), h);
  if (!q.step()) return std::nullopt;
  return StoredAttachment{q->text(0), static_cast<std::uint64_t>(q->i64(1)), static_cast<std::uint64_t>(q->i64(2)),
                          q->i64(3) != 0};
}

void SqliteStore::putAttachmentPiece(const sync::Hash& h, std::string_view type, std::uint64_t size,
                                     std::string_view data, const Id& device, std::int64_t at) {
  Stmt& s = db_->stmt(
      "INSERT INTO attachments(hash, type, size, data, device, received_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
      // || makes TEXT of two blobs, which ends at a zero byte: cast back.
      "ON CONFLICT(hash) DO UPDATE SET data = CAST(data || excluded.data AS BLOB), received_at = excluded.received_at");
  Query q(s, h, type, size, std::nullopt, device, at);
  s.bindBlob(4, data);
  q.run();
}

void SqliteStore::completeAttachment(const sync::Hash& h) {
  Query(db_->stmt("UPDATE attachments SET complete = 1 WHERE hash = ?"), h).run();
}

void SqliteStore::dropAttachment(const sync::Hash& h) {
  Query(db_->stmt("DELETE FROM attachments WHERE hash = ?"), h).run();
}

std::string SqliteStore::attachmentPiece(const sync::Hash& h, std::uint64_t offset, std::size_t max) {
  Query q(db_->stmt("SELECT substr(data, ? + 1, ?) FROM attachments WHERE hash = ?"), offset,
          static_cast<std::int64_t>(max), h);
  return q.step() ? q->blob(0) : std::string();
}

bool SqliteStore::refersTo(const Id& device, const sync::Hash& h) {
  Query q(db_->stmt("SELECT 1 FROM attachment_refs WHERE hash = ? AND device = ? LIMIT 1"), h, device);
  return q.step();
}

std::vector<Id> SqliteStore::attachmentEntities(const sync::Hash& h) {
  Query q(db_->stmt("SELECT DISTINCT entity FROM attachment_refs WHERE hash = ? AND held = 0"), h);
  std::vector<Id> out;
  while (q.step()) out.push_back(q->id(0));
  return out;
}

}  // namespace fieldsync::server
