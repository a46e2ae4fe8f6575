// The PostgreSQL store: several server processes on one database (store.h,
// docs/server.md "Several servers"). libpqxx 6.4; every statement takes its
// parameters apart from its text (exec_params), bytes as bytea.
//
// The server sequence is assigned in commit order: a transaction that
// appends to the log first takes the log's transaction-level advisory lock
// and numbers its ops after the head it then reads, so no op commits below
// one a reader has seen and a cursor never skips an op.
#include <pqxx/pqxx>

#include <atomic>
#include <thread>

#include "node/attachments.h"
#include "server/internal/store.h"
#include "storage/sqlite.h"
#include "sync/bytes.h"
#include "sync/codec.h"

namespace fieldsync::server {

using storage::StoreError;
using sync::Id;
using sync::Op;

namespace {

// Advisory lock keys (any bigint; these spell "fsLOG", "fsCHK", "fsMIG").
constexpr std::int64_t kLogLock = 0x66734c4f47, kCheckerLock = 0x6673434b48, kSchemaLock = 0x66734d4947;
constexpr const char* kChannel = "fieldsync_log";  // NOTIFY on every commit that grows the log

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE tokens(hash bytea PRIMARY KEY, branch text NOT NULL, role text NOT NULL, person text NOT NULL DEFAULT '',
                    expires_at bigint NOT NULL, used_at bigint, used_by bytea);
CREATE TABLE devices(node bytea PRIMARY KEY, sign_pk bytea NOT NULL, branch text NOT NULL, role text NOT NULL,
                     person text NOT NULL DEFAULT '', enrolled_at bigint NOT NULL,
                     last_contact bigint NOT NULL DEFAULT 0, clock_offset_ms bigint NOT NULL DEFAULT 0,
                     ops_received bigint NOT NULL DEFAULT 0, watermark bigint NOT NULL DEFAULT 0,
                     "cursor" bigint NOT NULL DEFAULT 0, revoked_at bigint);
CREATE TABLE ops(server_seq bigint PRIMARY KEY, node bytea NOT NULL, seq bigint NOT NULL, body bytea NOT NULL,
                 UNIQUE(node, seq));
CREATE TABLE batches(id bigserial PRIMARY KEY, node bytea NOT NULL, received_at bigint NOT NULL,
                     first_seq bigint NOT NULL, last_seq bigint NOT NULL, batch bytea NOT NULL,
                     signature bytea NOT NULL);
CREATE TABLE quarantine(node bytea NOT NULL, seq bigint NOT NULL, body bytea NOT NULL, reason text NOT NULL,
                        received_at bigint NOT NULL, decision text, decided_at bigint, PRIMARY KEY(node, seq));
CREATE TABLE scope_held(device bytea NOT NULL, entity bytea NOT NULL, type integer NOT NULL,
                        PRIMARY KEY(device, entity));
CREATE TABLE attachments(hash bytea NOT NULL UNIQUE, type text NOT NULL, size bigint NOT NULL, data bytea NOT NULL,
                         complete boolean NOT NULL DEFAULT false, device bytea NOT NULL, received_at bigint NOT NULL);
CREATE TABLE attachment_refs(hash bytea NOT NULL, device bytea NOT NULL, seq bigint NOT NULL, entity bytea NOT NULL,
                             held boolean NOT NULL, PRIMARY KEY(hash, device, seq));
INSERT INTO meta(key, value) VALUES('schema', '1');
)sql";
// Schema 2: each op's entity, so that a scoped pull reads the ops of the
// entities its device holds through an index (docs/performance.md, "Scoped
// pulls"); rows of schema 1 are filled in from their bodies.
constexpr const char* kSchema2 = R"sql(
ALTER TABLE ops ADD COLUMN entity bytea;
ALTER TABLE quarantine ADD COLUMN entity bytea;
CREATE INDEX ops_by_entity ON ops(entity, server_seq);
)sql";

pqxx::binarystring bin(std::string_view b) { return pqxx::binarystring(b.data(), b.size()); }
pqxx::binarystring bin(const Id& id) { return bin(id.view()); }
pqxx::binarystring bin(const sync::Hash& h) { return pqxx::binarystring(h.data(), h.size()); }
std::int64_t num(std::uint64_t n) { return static_cast<std::int64_t>(n); }
// A bigint parameter in PostgreSQL's binary format (8 bytes, big-endian), so
// that one list of binary parameters fills a multi-row INSERT.
template <std::size_t N>
pqxx::binarystring bigEndian(std::uint64_t n) {
  unsigned char b[N];
  for (std::size_t i = N; i-- > 0; n >>= 8) b[i] = static_cast<unsigned char>(n & 0xff);
  return pqxx::binarystring(b, N);
}
pqxx::binarystring bigint(std::uint64_t n) { return bigEndian<8>(n); }
pqxx::binarystring integer(std::uint32_t n) { return bigEndian<4>(n); }

std::string bytesOf(const pqxx::field& f) { return pqxx::binarystring(f).str(); }
Id idOf(const pqxx::field& f) {
  auto r = Id::fromBytes(bytesOf(f));
  if (!r) throw StoreError("a stored id is not 16 bytes");
  return *r;
}
std::optional<Id> optIdOf(const pqxx::field& f) { return f.is_null() ? std::nullopt : std::optional(idOf(f)); }
std::int64_t i64(const pqxx::field& f) { return f.as<std::int64_t>(); }
std::uint64_t u64(const pqxx::field& f) { return static_cast<std::uint64_t>(f.as<std::int64_t>()); }
std::vector<LoggedOp> loggedOps(const pqxx::result& rows) {  // rows of (server_seq, body)
  std::vector<LoggedOp> out;
  for (const auto& row : rows) out.push_back({u64(row[0]), decodeStoredOp(bytesOf(row[1]))});
  return out;
}

#define FIELDSYNC_PG_DEVICE_COLUMNS                                                                                    \
  "SELECT node, sign_pk, branch, role, enrolled_at, last_contact, clock_offset_ms, ops_received, watermark, " \
  "\"cursor\", revoked_at, person FROM devices "

Device deviceOf(const pqxx::row& r) {
  Device d;
  d.node = idOf(r[0]);
  auto key = sync::publicKeyFromBytes(bytesOf(r[1]));
  if (!key) throw StoreError("a stored device key is not 32 bytes");
  d.key = *key;
  d.branch = r[2].c_str();
  d.role = r[3].c_str();
  d.enrolled_at = i64(r[4]);
  d.last_contact = i64(r[5]);
  d.clock_offset_ms = i64(r[6]);
  d.ops_received = u64(r[7]);
  d.watermark = u64(r[8]);
  d.cursor = u64(r[9]);
  if (!r[10].is_null()) d.revoked_at = i64(r[10]);
  d.person = r[11].c_str();
  return d;
}

Token tokenOf(const pqxx::row& r, int at) {
  return Token{r[at].c_str(), r[at + 1].c_str(), r[at + 2].c_str(), i64(r[at + 3]), !r[at + 4].is_null(),
               optIdOf(r[at + 5])};
}

class PgStore final : public ServerStore {
 public:
  explicit PgStore(const std::string& uri) : uri_(uri), conn_(connect(uri)) { migrate(); }
  ~PgStore() override {
    stop_ = true;
    if (listener_.joinable()) listener_.join();
  }

  std::unique_ptr<Transaction> transaction() override;
  bool shared() const override { return true; }
  bool leads() override {
    if (!leading_) leading_ = exec("SELECT pg_try_advisory_lock($1)", kCheckerLock)[0][0].as<bool>();
    return leading_;
  }
  void onLogGrew(std::function<void()> grew) override;
  bool claimReplica(const Id& node) override {
    std::int64_t key = 0;  // the node id's first 8 bytes, in the advisory locks' space of two int32s
    for (int i = 0; i < 8; ++i) key = (key << 8) | node.bytes[static_cast<std::size_t>(i)];
    return exec("SELECT pg_try_advisory_lock($1::int, $2::int)", static_cast<int>(key >> 32), static_cast<int>(key))[0][0]
        .as<bool>();
  }

  std::optional<std::string> meta(const std::string& key) override {
    auto r = exec("SELECT value FROM meta WHERE key = $1", key);
    if (r.empty()) return std::nullopt;
    return std::string(r[0][0].c_str());
  }
  void setMeta(const std::string& key, const std::string& value) override {
    exec("INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key,
         value);
  }

  void addToken(const sync::Hash& h, const Token& t) override {
    exec("INSERT INTO tokens(hash, branch, role, person, expires_at) VALUES($1, $2, $3, $4, $5)", bin(h), t.branch,
         t.role, t.person, t.expires_at);
  }
  std::optional<Token> token(const sync::Hash& h) override {
    auto r = exec("SELECT branch, role, person, expires_at, used_at, used_by FROM tokens WHERE hash = $1", bin(h));
    if (r.empty()) return std::nullopt;
    return tokenOf(r[0], 0);
  }
  void useToken(const sync::Hash& h, const Id& node, std::int64_t at) override {
    auto r = exec("UPDATE tokens SET used_at = $1, used_by = $2 WHERE hash = $3 AND used_at IS NULL", at, bin(node),
                  bin(h));
    if (r.affected_rows() != 1) throw StoreError("the token was used concurrently");
  }
  std::vector<std::pair<std::string, Token>> tokens() override {
    std::vector<std::pair<std::string, Token>> out;
    for (const auto& row : exec("SELECT hash, branch, role, person, expires_at, used_at, used_by FROM tokens "
                                "ORDER BY expires_at DESC"))
      out.push_back({sync::toHex(bytesOf(row[0])).substr(0, 8), tokenOf(row, 1)});
    return out;
  }

  void addDevice(const Device& d) override {
    exec("INSERT INTO devices(node, sign_pk, branch, role, person, enrolled_at) VALUES($1, $2, $3, $4, $5, $6)",
         bin(d.node), pqxx::binarystring(d.key.data(), d.key.size()), d.branch, d.role, d.person, d.enrolled_at);
  }
  std::optional<Device> device(const Id& node) override {
    auto r = exec(FIELDSYNC_PG_DEVICE_COLUMNS "WHERE node = $1", bin(node));
    if (r.empty()) return std::nullopt;
    return deviceOf(r[0]);
  }
  std::vector<Device> devices() override {
    std::vector<Device> out;
    for (const auto& row : exec(FIELDSYNC_PG_DEVICE_COLUMNS "ORDER BY branch, role, enrolled_at")) out.push_back(deviceOf(row));
    return out;
  }
  void touch(const Id& node, std::int64_t at, std::int64_t offset) override {
    exec("UPDATE devices SET last_contact = $1, clock_offset_ms = $2 WHERE node = $3", at, offset, bin(node));
  }
  bool revoke(const Id& node, std::int64_t at) override {
    return exec("UPDATE devices SET revoked_at = coalesce(revoked_at, $1) WHERE node = $2", at, bin(node))
               .affected_rows() == 1;
  }
  void setCursor(const Id& node, std::uint64_t cursor) override {
    exec("UPDATE devices SET \"cursor\" = $1 WHERE node = $2", num(cursor), bin(node));
  }
  void contacted(const Id& node, std::int64_t at) override {
    exec("UPDATE devices SET last_contact = $1 WHERE node = $2 AND last_contact < $1", at, bin(node));
  }

  std::uint64_t appendPush(const Id& node, const std::vector<Op>& ops, const std::vector<std::string>& held,
                           const std::string& batch, const std::string& signature, std::int64_t at) override;
  std::vector<HeldOp> held(const Id& node) override {
    std::vector<HeldOp> out;
    for (const auto& row :
         exec("SELECT body, reason FROM quarantine WHERE node = $1 AND decision IS NULL ORDER BY seq", bin(node)))
      out.push_back({decodeStoredOp(bytesOf(row[0])), row[1].c_str()});
    return out;
  }
  std::uint64_t quarantinedEver(const Id& node) override {
    return u64(exec("SELECT count(*) FROM quarantine WHERE node = $1", bin(node))[0][0]);
  }
  std::uint64_t decide(const Id& node, bool release, std::int64_t at) override;
  void appendOwn(const std::vector<Op>& ops) override;
  std::vector<LoggedOp> opsAfter(std::uint64_t cursor, const Id& exclude, std::size_t limit) override {
    return loggedOps(exec("SELECT server_seq, body FROM ops WHERE server_seq > $1 AND node != $2 "
                          "ORDER BY server_seq LIMIT $3",
                          num(cursor), bin(exclude), num(limit)));
  }
  std::vector<LoggedOp> scopedOpsAfter(const Id& device, std::uint64_t cursor, std::size_t limit,
                                       bool by_entity) override {
    // LATERAL: one probe of the entity index per held entity.
    return loggedOps(exec(by_entity ? "SELECT o.server_seq, o.body FROM scope_held h CROSS JOIN LATERAL "
                                            "(SELECT server_seq, node, body FROM ops WHERE entity = h.entity "
                                            "AND server_seq > $2) o "
                                            "WHERE h.device = $1 AND o.node != $1 ORDER BY o.server_seq LIMIT $3"
                                          : "SELECT o.server_seq, o.body FROM ops o JOIN scope_held h "
                                            "ON h.device = $1 AND h.entity = o.entity "
                                            "WHERE o.server_seq > $2 AND o.node != $1 ORDER BY o.server_seq LIMIT $3",
                                bin(device), num(cursor), num(limit)));
  }
  std::uint64_t head() override { return u64(exec("SELECT coalesce(max(server_seq), 0) FROM ops")[0][0]); }
  std::set<node::ScopeKey> scopeHeld(const Id& device) override {
    std::set<node::ScopeKey> out;
    for (const auto& row : exec("SELECT type, entity FROM scope_held WHERE device = $1", bin(device)))
      out.insert({static_cast<sync::EntityType>(row[0].as<int>()), idOf(row[1])});
    return out;
  }
  void holdScope(const Id& device, std::span<const node::ScopeKey> add, std::span<const Id> drop) override {
    MultiInsert rows(*this, "INSERT INTO scope_held(device, entity, type) VALUES", 3, " ON CONFLICT DO NOTHING");
    for (const auto& [type, id] : add) rows.push({bin(device), bin(id), integer(static_cast<std::uint32_t>(type))});
    rows.flush();
    for (const Id& id : drop) exec("DELETE FROM scope_held WHERE device = $1 AND entity = $2", bin(device), bin(id));
  }
  void forgetScope(const Id& device) override { exec("DELETE FROM scope_held WHERE device = $1", bin(device)); }
  std::vector<Op> ownOps(const Id& node, std::uint64_t after_seq, std::size_t limit) override {
    std::vector<Op> out;
    for (const auto& row : exec("SELECT body FROM (SELECT seq, body FROM ops WHERE node = $1 AND seq > $2 UNION ALL "
                                "SELECT seq, body FROM quarantine WHERE node = $1 AND seq > $2) AS own "
                                "ORDER BY seq LIMIT $3",
                                bin(node), num(after_seq), num(limit)))
      out.push_back(decodeStoredOp(bytesOf(row[0])));
    return out;
  }
  std::uint64_t opCount() override { return u64(exec("SELECT count(*) FROM ops")[0][0]); }

  std::optional<StoredAttachment> attachment(const sync::Hash& h) override {
    auto r = exec("SELECT type, size, octet_length(data), complete FROM attachments WHERE hash = $1", bin(h));
    if (r.empty()) return std::nullopt;
    return StoredAttachment{r[0][0].c_str(), u64(r[0][1]), u64(r[0][2]), r[0][3].as<bool>()};
  }
  void putAttachmentPiece(const sync::Hash& h, std::string_view type, std::uint64_t size, std::string_view data,
                          const Id& device, std::int64_t at) override {
    exec("INSERT INTO attachments(hash, type, size, data, device, received_at) VALUES($1, $2, $3, $4, $5, $6) "
         "ON CONFLICT(hash) DO UPDATE SET data = attachments.data || excluded.data, received_at = excluded.received_at",
         bin(h), std::string(type), num(size), bin(data), bin(device), at);
  }
  void completeAttachment(const sync::Hash& h) override {
    exec("UPDATE attachments SET complete = true WHERE hash = $1", bin(h));
  }
  void dropAttachment(const sync::Hash& h) override { exec("DELETE FROM attachments WHERE hash = $1", bin(h)); }
  std::string attachmentPiece(const sync::Hash& h, std::uint64_t offset, std::size_t max) override {
    auto r = exec("SELECT substring(data FROM $1 FOR $2) FROM attachments WHERE hash = $3", num(offset + 1), num(max),
                  bin(h));
    return r.empty() ? std::string() : bytesOf(r[0][0]);
  }
  bool refersTo(const Id& device, const sync::Hash& h) override {
    return !exec("SELECT 1 FROM attachment_refs WHERE hash = $1 AND device = $2 LIMIT 1", bin(h), bin(device)).empty();
  }
  std::vector<Id> attachmentEntities(const sync::Hash& h) override {
    std::vector<Id> out;
    for (const auto& row : exec("SELECT DISTINCT entity FROM attachment_refs WHERE hash = $1 AND NOT held", bin(h)))
      out.push_back(idOf(row[0]));
    return out;
  }

 private:
  friend struct PgTransaction;

  // Rows of binary parameters, written some hundred at a time by one statement.
  class MultiInsert {
   public:
    MultiInsert(PgStore& store, std::string head, std::size_t columns, std::string tail = "")
        : store_(store), head_(std::move(head)), tail_(std::move(tail)), columns_(columns) {}
    void push(std::initializer_list<pqxx::binarystring> row) {
      params_.insert(params_.end(), row);
      if (params_.size() >= 256 * columns_) flush();
    }
    void flush() {
      if (params_.empty()) return;
      std::string sql = head_;
      for (std::size_t i = 0; i < params_.size(); ++i)
        sql += (i % columns_ ? ", $" : std::string(i ? "), ($" : " ($")) + std::to_string(i + 1);
      sql += ")" + tail_;
      store_.exec(sql.c_str(), pqxx::prepare::make_dynamic_params(params_));
      params_.clear();
    }

   private:
    PgStore& store_;
    std::string head_, tail_;
    std::size_t columns_;
    std::vector<pqxx::binarystring> params_;
  };

  static std::unique_ptr<pqxx::connection> connect(const std::string& uri) {
    try {
      return std::make_unique<pqxx::connection>(uri);
    } catch (const std::exception& e) {
      throw StoreError(std::string("--store: cannot connect to PostgreSQL: ") + e.what(), sync::Errc::unavailable);
    }
  }

  // The connection, made again when the last one broke (PostgreSQL
  // restarted, a failover): the transaction that met the break failed, the
  // next one goes on. The checker's lock went with the old connection.
  pqxx::connection& connection() {
    if (broken_) {
      conn_ = connect(uri_);
      broken_ = false;
      leading_ = false;
    }
    return *conn_;
  }

  // Runs one statement in the open transaction, or on its own (autocommit;
  // once more on a new connection if the old one broke).
  template <class... A>
  pqxx::result exec(const char* sql, const A&... args) {
    for (int attempt = 0;; ++attempt) {
      try {
        if (tx_) return tx_->exec_params(sql, args...);
        pqxx::nontransaction alone(connection());
        return alone.exec_params(sql, args...);
      } catch (const pqxx::broken_connection& e) {
        broken_ = true;
        if (!tx_ && attempt == 0) continue;
        throw StoreError(std::string("PostgreSQL: the connection broke: ") + e.what(), sync::Errc::unavailable);
      } catch (const StoreError&) {
        throw;
      } catch (const std::exception& e) {
        throw StoreError(std::string("PostgreSQL: ") + e.what());
      }
    }
  }

  // Runs `body` in the open transaction, or in one of its own.
  template <class F>
  auto inTransaction(F body) {
    if (tx_) return body();
    auto tx = transaction();
    auto out = body();
    tx->commit();
    return out;
  }

  // Takes the log's lock until the transaction ends, and reads its head.
  void lockLog() {
    if (next_seq_) return;
    exec("SELECT pg_advisory_xact_lock($1)", kLogLock);
    next_seq_ = head() + 1;
    exec((std::string("NOTIFY ") + kChannel).c_str());  // sent when the transaction commits
  }
  std::uint64_t nextSeq() {
    lockLog();
    return next_seq_++;
  }

  void fillEntities() {  // a few thousand rows per statement, as in store.cpp
    for (const char* table : {"ops", "quarantine"}) {
      const std::string select = std::string("SELECT node, seq, body FROM ") + table + " WHERE entity IS NULL LIMIT 5000";
      const std::string update = std::string("UPDATE ") + table + " SET entity = $1 WHERE node = $2 AND seq = $3";
      for (auto rows = exec(select.c_str()); !rows.empty(); rows = exec(select.c_str()))
        for (const auto& row : rows)
          exec(update.c_str(), bin(decodeStoredOp(bytesOf(row[2])).entity), bin(idOf(row[0])), i64(row[1]));
    }
  }
  void migrate() {
    inTransaction([&] {
      exec("SELECT pg_advisory_xact_lock($1)", kSchemaLock);  // two servers starting at once
      if (exec("SELECT to_regclass('meta') IS NULL")[0][0].as<bool>()) tx_->exec(kSchema);
      if (meta("schema") == "1") {
        tx_->exec(kSchema2);
        fillEntities();
        setMeta("schema", "2");
      }
      const auto version = meta("schema");
      if (version != "2")
        throw StoreError("--store: this database holds no fieldsync store of this version (schema " +
                             version.value_or("?") + ")",
                         sync::Errc::refused);
      return 0;
    });
  }

  std::string uri_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
  std::uint64_t next_seq_ = 0;  // 0: the log's lock is not held
  bool leading_ = false;
  bool broken_ = false;  // conn_ broke: connection() makes a new one
  std::atomic<bool> stop_ = false;
  std::thread listener_;
};

struct PgTransaction final : ServerStore::Transaction {
  explicit PgTransaction(PgStore& s) : store(s) {
    try {
      store.tx_ = std::make_unique<pqxx::work>(store.connection());
    } catch (const pqxx::broken_connection&) {
      store.broken_ = true;  // once more, on a new connection
      try {
        store.tx_ = std::make_unique<pqxx::work>(store.connection());
      } catch (const std::exception& e) {
        throw StoreError(std::string("PostgreSQL: ") + e.what(), sync::Errc::unavailable);
      }
    } catch (const StoreError&) {
      throw;
    } catch (const std::exception& e) {
      throw StoreError(std::string("PostgreSQL: ") + e.what(), sync::Errc::unavailable);
    }
  }
  ~PgTransaction() override { end(); }  // rolls back unless committed
  void commit() override {
    try {
      store.tx_->commit();
    } catch (const pqxx::broken_connection& e) {
      store.broken_ = true;
      end();
      throw StoreError(std::string("PostgreSQL: the connection broke at commit: ") + e.what(), sync::Errc::unavailable);
    } catch (const std::exception& e) {
      end();
      throw StoreError(std::string("PostgreSQL: the commit failed: ") + e.what(), sync::Errc::unavailable);
    }
    end();
  }
  void end() {
    store.tx_.reset();
    store.next_seq_ = 0;
  }
  PgStore& store;
};

std::unique_ptr<ServerStore::Transaction> PgStore::transaction() {
  if (tx_) throw StoreError("a store transaction is open already");
  return std::make_unique<PgTransaction>(*this);
}

std::uint64_t PgStore::appendPush(const Id& node, const std::vector<Op>& ops, const std::vector<std::string>& held,
                                  const std::string& batch, const std::string& signature, std::int64_t at) {
  return inTransaction([&] {
    lockLog();  // first: a device pushing to two servers at once is written once
    auto r = exec("SELECT watermark FROM devices WHERE node = $1", bin(node));
    if (r.empty()) throw StoreError("push from an unknown device");
    std::uint64_t watermark = u64(r[0][0]), added = 0, first = 0;
    MultiInsert rows(*this, "INSERT INTO ops(server_seq, node, seq, entity, body) VALUES", 5);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      if (op.id.seq <= watermark) continue;  // already here: a re-sent batch
      if (!first) first = op.id.seq;
      const std::string body = sync::encodeOp(op);
      if (!held[i].empty())
        exec("INSERT INTO quarantine(node, seq, entity, body, reason, received_at) VALUES($1, $2, $3, $4, $5, $6)",
             bin(op.id.node), num(op.id.seq), bin(op.entity), bin(body), held[i], at);
      else
        rows.push({bigint(nextSeq()), bin(op.id.node), bigint(op.id.seq), bin(op.entity), bin(body)});
      if (const auto attached = node::attachmentOf(op))
        exec("INSERT INTO attachment_refs(hash, device, seq, entity, held) VALUES($1, $2, $3, $4, $5) "
             "ON CONFLICT DO NOTHING",
             bin(*attached), bin(op.id.node), num(op.id.seq), bin(op.entity), !held[i].empty());
      watermark = op.id.seq;
      ++added;
    }
    rows.flush();
    if (added) {
      exec("INSERT INTO batches(node, received_at, first_seq, last_seq, batch, signature) "
           "VALUES($1, $2, $3, $4, $5, $6)",
           bin(node), at, num(first), num(watermark), bin(batch), bin(signature));
      exec("UPDATE devices SET watermark = $1, ops_received = ops_received + $2 WHERE node = $3", num(watermark),
           num(added), bin(node));
    }
    return watermark;
  });
}

void PgStore::appendOwn(const std::vector<Op>& ops) {
  inTransaction([&] {
    for (const Op& op : ops) {
      const std::uint64_t seq = nextSeq();
      if (exec("INSERT INTO ops(server_seq, node, seq, entity, body) VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
               num(seq), bin(op.id.node), num(op.id.seq), bin(op.entity), bin(sync::encodeOp(op)))
              .affected_rows() == 0)
        --next_seq_;  // already here
    }
    return 0;
  });
}

std::uint64_t PgStore::decide(const Id& node, bool release, std::int64_t at) {
  return inTransaction([&] {
    if (release) {  // at the head of the log: every cursor is before them
      lockLog();
      const std::uint64_t base = next_seq_ - 1;
      const auto added = exec("INSERT INTO ops(server_seq, node, seq, entity, body) "
                              "SELECT $1 + row_number() OVER (ORDER BY seq), node, seq, entity, body FROM quarantine "
                              "WHERE node = $2 AND decision IS NULL",
                              num(base), bin(node))
                             .affected_rows();
      next_seq_ += added;
      exec("UPDATE attachment_refs SET held = false WHERE device = $1 AND held AND seq IN "
           "(SELECT seq FROM quarantine WHERE node = $1 AND decision IS NULL)",
           bin(node));
    }
    return static_cast<std::uint64_t>(
        exec("UPDATE quarantine SET decision = $1, decided_at = $2 WHERE node = $3 AND decision IS NULL",
             std::string(release ? "released" : "rejected"), at, bin(node))
            .affected_rows());
  });
}

// Waits on a connection of its own, so the store's may be busy meanwhile;
// a broken connection is made again after a second.
void PgStore::onLogGrew(std::function<void()> grew) {
  if (listener_.joinable()) {
    stop_ = true;
    listener_.join();
    stop_ = false;
  }
  if (!grew) return;
  const int own = conn_->backendpid();
  listener_ = std::thread([this, grew = std::move(grew), own] {
    struct Receiver final : pqxx::notification_receiver {
      Receiver(pqxx::connection_base& c, std::function<void()> f, int o)
          : pqxx::notification_receiver(c, kChannel), grew(std::move(f)), own(o) {}
      void operator()(const std::string&, int backend) override {
        if (backend != own) grew();
      }
      std::function<void()> grew;
      int own;
    };
    while (!stop_) {
      try {
        pqxx::connection c(uri_);
        Receiver receiver(c, grew, own);
        grew();  // what came while not listening
        while (!stop_) c.await_notification(0, 200'000);
      } catch (const std::exception&) {
        for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  });
}

}  // namespace

std::unique_ptr<ServerStore> openPostgresStore(const std::string& uri) { return std::make_unique<PgStore>(uri); }

}  // namespace fieldsync::server
