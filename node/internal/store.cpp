// All of the node's SQL, and the only place that touches sqlite3 handles.
#include "node/internal/store.h"

#include "node/internal/sqlite.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <type_traits>
#include <unordered_map>

#include "sync/codec.h"

namespace fieldsync::node {
namespace {

using sync::Id;
using sync::Op;
using sync::OpId;
using sync::Value;

// Schema migrations: kMigrations[i] moves a database from version i to i + 1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE ops(node BLOB NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, body BLOB NOT NULL,
                 PRIMARY KEY(node, seq)) WITHOUT ROWID;
CREATE TABLE registers(entity_type INTEGER NOT NULL, entity BLOB NOT NULL, field INTEGER NOT NULL,
                       tag INTEGER NOT NULL, value, hlc INTEGER NOT NULL, node BLOB NOT NULL, seq INTEGER NOT NULL,
                       PRIMARY KEY(entity_type, entity, field)) WITHOUT ROWID;
-- Lookups by value exist for cases, visits, shipments and stock documents
-- only (numbers and references); units, items and locations are not indexed.
CREATE INDEX registers_by_value ON registers(entity_type, field, value) WHERE entity_type IN (4, 5, 6, 7);
-- An index of the facts in the op log (their bodies stay in ops).
CREATE TABLE facts(node BLOB NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL, entity BLOB NOT NULL,
                   at INTEGER NOT NULL, PRIMARY KEY(node, seq)) WITHOUT ROWID;
CREATE INDEX facts_by_entity ON facts(kind, entity);
CREATE TABLE moves(node BLOB NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, at INTEGER NOT NULL,
                   kind INTEGER NOT NULL, doc BLOB NOT NULL, item BLOB NOT NULL, from_loc BLOB NOT NULL,
                   to_loc BLOB NOT NULL, qty INTEGER NOT NULL, unit BLOB, service_case BLOB, shipment BLOB,
                   forced INTEGER NOT NULL, PRIMARY KEY(node, seq)) WITHOUT ROWID;
CREATE INDEX moves_by_doc ON moves(doc);
CREATE INDEX moves_by_unit ON moves(unit) WHERE unit IS NOT NULL;
CREATE INDEX moves_by_case ON moves(service_case) WHERE service_case IS NOT NULL;
CREATE TABLE balances(item BLOB NOT NULL, location BLOB NOT NULL, qty INTEGER NOT NULL,
                      PRIMARY KEY(item, location)) WITHOUT ROWID;
CREATE TABLE unit_places(unit BLOB PRIMARY KEY, location BLOB NOT NULL, at INTEGER NOT NULL, hlc INTEGER NOT NULL,
                         node BLOB NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE unit_dates(unit BLOB PRIMARY KEY, installed INTEGER, delivered INTEGER) WITHOUT ROWID;
CREATE TABLE statuses(entity_type INTEGER NOT NULL, entity BLOB NOT NULL, status INTEGER NOT NULL,
                      counted INTEGER NOT NULL, anomalies INTEGER NOT NULL, last_at INTEGER NOT NULL,
                      PRIMARY KEY(entity_type, entity)) WITHOUT ROWID;
)sql",
    // 2: reconciliation walks one (item, location)'s ledger in business-time order.
    R"sql(
CREATE INDEX moves_by_item_from ON moves(item, from_loc);
CREATE INDEX moves_by_item_to ON moves(item, to_loc);
)sql",
    // 3: each node's latest registration claim per unit (duplicate registrations), transit lines.
    R"sql(
CREATE TABLE unit_claims(unit BLOB NOT NULL, node BLOB NOT NULL, build_code TEXT, customer TEXT,
                         hlc INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(unit, node)) WITHOUT ROWID;
-- Transit movements (transit_out 3, transit_in 4), for the conservation sweep.
CREATE INDEX moves_in_transit ON moves(doc, item, unit) WHERE kind IN (3, 4);
)sql",
    // 4: ledger blocks, so that a back-dated movement re-checks only its own
    // block of an (item, location) (docs/reconciliation.md, "Long ledgers").
    // Existing ledgers start as one block each, recomputed and split on first use;
    // its start is LedgerKey's default (minimum time, zero node, seq 0).
    R"sql(
DROP INDEX moves_by_item_from;
DROP INDEX moves_by_item_to;
CREATE INDEX moves_by_item_from ON moves(item, from_loc, at, hlc);
CREATE INDEX moves_by_item_to ON moves(item, to_loc, at, hlc);
CREATE TABLE ledger_blocks(item BLOB NOT NULL, location BLOB NOT NULL, at INTEGER NOT NULL, hlc INTEGER NOT NULL,
                           node BLOB NOT NULL, seq INTEGER NOT NULL, net INTEGER NOT NULL, low INTEGER NOT NULL,
                           dirty INTEGER NOT NULL, outs BLOB NOT NULL,
                           PRIMARY KEY(item, location, at, hlc, node, seq)) WITHOUT ROWID;
INSERT INTO ledger_blocks
  SELECT item, location, -9223372036854775807 - 1, 0, zeroblob(16), 0, sum(delta), 0, 1, x'' FROM
    (SELECT item, from_loc AS location, -qty AS delta FROM moves UNION ALL SELECT item, to_loc, qty FROM moves)
  GROUP BY item, location;
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

}  // namespace

struct Store::Impl {
  Db db;
  explicit Impl(const std::string& path, bool create) : db(path, create) {}
  Stmt& stmt(const char* sql) { return db.stmt(sql); }
  void exec(const char* sql) { db.exec(sql); }
  Op opFromBody(const Stmt& s, int col);
};


// Op bodies are stored in the codec's stored form (docs/op-encoding.md).
Op Store::Impl::opFromBody(const Stmt& s, int col) {
  auto op = sync::decodeOp(s.blob(col), sync::DecodeLimits{.max_bytes = 64u << 20, .max_fields = 4096});
  if (!op) throw StoreError("a stored op does not decode: " + op.error().message, false);
  return std::move(op).value();
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& path, bool create) {
  std::unique_ptr<Store> store(new Store(std::make_unique<Impl>(path, create)));
  store->impl_->db.migrate(kMigrations, kSchemaVersion);
  return store;
}

int Store::schemaVersion() { return impl_->db.userVersion(); }

void Store::begin() { impl_->db.begin(); }
void Store::commit() { impl_->db.commit(); }
void Store::rollback() { impl_->db.rollback(); }

std::optional<std::string> Store::meta(std::string_view key) {
  Query q(impl_->stmt("SELECT value FROM meta WHERE key = ?"), key);
  if (!q.step()) return std::nullopt;
  return q->text(0);
}

void Store::setMeta(std::string_view key, std::string_view value) {
  Query(impl_->stmt("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
        key, value)
      .run();
}

bool Store::appendOp(const Op& op, std::string_view encoded) {
  Stmt& s = impl_->stmt("INSERT INTO ops(node, seq, hlc, body) VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING");
  Query q(s, op.id.node, op.id.seq, op.hlc);
  s.bindBlob(4, encoded);
  q.run();
  return impl_->db.changes() > 0;
}

std::uint64_t Store::opCount() {
  Query q(impl_->stmt("SELECT count(*) FROM ops"));
  q.step();
  return static_cast<std::uint64_t>(q->i64(0));
}

void Store::forEachOp(const std::function<void(const Op&)>& fn) {
  // A statement of its own: fn may run other queries.
  Stmt s(impl_->db.handle(), "SELECT body FROM ops ORDER BY node, seq");
  while (s.step()) fn(impl_->opFromBody(s, 0));
}

std::vector<Op> Store::opsOf(const Id& node, std::uint64_t after, std::size_t limit) {
  Query q(impl_->stmt("SELECT body FROM ops WHERE node = ? AND seq > ? ORDER BY seq LIMIT ?"), node, after,
          static_cast<std::int64_t>(limit));
  std::vector<Op> out;
  while (q.step()) out.push_back(impl_->opFromBody(q.row(), 0));
  return out;
}

void Store::writeRegister(const sync::RegisterKey& key, const sync::Register& reg) {
  Stmt& s = impl_->stmt(
      "INSERT INTO registers(entity_type, entity, field, tag, value, hlc, node, seq) VALUES(?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(entity_type, entity, field) DO UPDATE SET tag = excluded.tag, value = excluded.value, "
      "hlc = excluded.hlc, node = excluded.node, seq = excluded.seq "
      "WHERE (excluded.hlc, excluded.node, excluded.seq) > (registers.hlc, registers.node, registers.seq)");
  Query q(s, static_cast<std::int64_t>(key.entity_type), key.entity, key.field,
          static_cast<std::int64_t>(reg.value.index()));
  std::visit([&](const auto& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::monostate>) s.bind(5, std::nullopt);
    else if constexpr (std::is_same_v<T, std::int64_t>) s.bind(5, v);
    else if constexpr (std::is_same_v<T, std::string>) s.bind(5, std::string_view(v));
    else if constexpr (std::is_same_v<T, sync::Blob>) s.bindBlob(5, v.bytes);
    else if constexpr (std::is_same_v<T, bool>) s.bind(5, v);
  }, reg.value);
  s.bind(6, reg.stamp.hlc);
  s.bind(7, reg.stamp.node);
  s.bind(8, reg.stamp.seq);
  q.run();
}

namespace {
Value valueAt(const Stmt& s, int tag_col, int value_col) {
  switch (s.i64(tag_col)) {
    case 1: return s.i64(value_col);
    case 2: return s.text(value_col);
    case 3: return sync::Blob{s.blob(value_col)};
    case 4: return s.i64(value_col) != 0;
    default: return std::monostate{};
  }
}
}  // namespace

Attributes Store::entity(sync::EntityType type, const Id& id) {
  Query q(impl_->stmt("SELECT field, tag, value FROM registers WHERE entity_type = ? AND entity = ?"),
          static_cast<std::int64_t>(type), id);
  Attributes out;
  while (q.step()) out.emplace(static_cast<FieldId>(q->i64(0)), valueAt(q.row(), 1, 2));
  return out;
}

std::vector<Id> Store::entityIds(sync::EntityType type) {
  Query q(impl_->stmt("SELECT DISTINCT entity FROM registers WHERE entity_type = ? ORDER BY entity"),
          static_cast<std::int64_t>(type));
  std::vector<Id> out;
  while (q.step()) out.push_back(q->id(0));
  return out;
}

std::vector<Id> Store::findEntities(sync::EntityType type, FieldId field, const Value& value) {
  const auto t = static_cast<std::uint32_t>(type);
  if (t < 4 || t > 7) throw StoreError("findEntities: entity type " + std::to_string(t) + " has no value index", false);
  Stmt& s = impl_->stmt(
      "SELECT entity FROM registers WHERE entity_type IN (4, 5, 6, 7) AND entity_type = ? AND field = ? AND value = ? "
      "ORDER BY entity");
  Query q(s, static_cast<std::int64_t>(type), field);
  if (const auto* text = std::get_if<std::string>(&value)) s.bind(3, std::string_view(*text));
  else if (const auto* blob = std::get_if<sync::Blob>(&value)) s.bindBlob(3, blob->bytes);
  else throw StoreError("findEntities takes text or bytes", false);
  std::vector<Id> out;
  while (q.step()) out.push_back(q->id(0));
  return out;
}

void Store::forEachRegister(const std::function<void(const sync::RegisterKey&, const sync::Register&)>& fn) {
  Stmt s(impl_->db.handle(),
         "SELECT entity_type, entity, field, tag, value, hlc, node, seq FROM registers "
         "ORDER BY entity_type, entity, field");
  while (s.step()) {
    sync::RegisterKey key{static_cast<sync::EntityType>(s.i64(0)), s.id(1), static_cast<FieldId>(s.i64(2))};
    sync::Register reg{valueAt(s, 3, 4),
                       {static_cast<sync::HlcTime>(s.i64(5)), s.id(6), static_cast<std::uint64_t>(s.i64(7))}};
    fn(key, reg);
  }
}

void Store::addFact(const Op& fact, std::int64_t at) {
  Query(impl_->stmt("INSERT INTO facts(node, seq, kind, entity, at) VALUES(?, ?, ?, ?, ?)"), fact.id.node, fact.id.seq,
        static_cast<std::int64_t>(fact.fact), fact.entity, at)
      .run();
}

std::vector<Op> Store::facts(sync::FactKind kind, const Id& entity) {
  Query q(impl_->stmt("SELECT o.body FROM facts f JOIN ops o ON o.node = f.node AND o.seq = f.seq "
                      "WHERE f.kind = ? AND f.entity = ? ORDER BY f.at, f.node, f.seq"),
          static_cast<std::int64_t>(kind), entity);
  std::vector<Op> out;
  while (q.step()) out.push_back(impl_->opFromBody(q.row(), 0));
  return out;
}

void Store::forEachFact(const std::function<void(const Op&)>& fn) {
  Stmt s(impl_->db.handle(),
         "SELECT o.body FROM facts f JOIN ops o ON o.node = f.node AND o.seq = f.seq ORDER BY f.node, f.seq");
  while (s.step()) fn(impl_->opFromBody(s, 0));
}

void Store::addMove(const MoveRow& m) {
  Query(impl_->stmt("INSERT INTO moves(node, seq, hlc, at, kind, doc, item, from_loc, to_loc, qty, unit, "
                    "service_case, shipment, forced) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        m.op.node, m.op.seq, m.hlc, m.at, static_cast<int>(m.kind), m.doc, m.item, m.from, m.to, m.qty, m.unit,
        m.service_case, m.shipment, m.forced)
      .run();
  Stmt& bal = impl_->stmt(
      "INSERT INTO balances(item, location, qty) VALUES(?, ?, ?) "
      "ON CONFLICT(item, location) DO UPDATE SET qty = qty + excluded.qty");
  Query(bal, m.item, m.from, -m.qty).run();
  Query(bal, m.item, m.to, m.qty).run();
  addToLedger(m, m.from, -m.qty);
  addToLedger(m, m.to, m.qty);
  if (m.unit) {
    // A unit is where its latest move (by business time, then stamp) took it.
    Query(impl_->stmt("INSERT INTO unit_places(unit, location, at, hlc, node, seq) VALUES(?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT(unit) DO UPDATE SET location = excluded.location, at = excluded.at, "
                      "hlc = excluded.hlc, node = excluded.node, seq = excluded.seq "
                      "WHERE (excluded.at, excluded.hlc, excluded.node, excluded.seq) > "
                      "(unit_places.at, unit_places.hlc, unit_places.node, unit_places.seq)"),
          *m.unit, m.to, m.at, m.hlc, m.op.node, m.op.seq)
        .run();
  }
}

void Store::addClaim(const Id& unit, const sync::Stamp& stamp, const std::string& build_code,
                     const std::string& customer) {
  Stmt& s = impl_->stmt(
      "INSERT INTO unit_claims(unit, node, build_code, customer, hlc, seq) VALUES(?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(unit, node) DO UPDATE SET build_code = excluded.build_code, customer = excluded.customer, "
      "hlc = excluded.hlc, seq = excluded.seq WHERE (excluded.hlc, excluded.seq) > (unit_claims.hlc, unit_claims.seq)");
  Query q(s, unit, stamp.node);
  build_code.empty() ? s.bind(3, std::nullopt) : s.bind(3, std::string_view(build_code));
  customer.empty() ? s.bind(4, std::nullopt) : s.bind(4, std::string_view(customer));
  s.bind(5, stamp.hlc);
  s.bind(6, stamp.seq);
  q.run();
}

std::vector<Store::Claim> Store::claims(const Id& unit) {
  Query q(impl_->stmt("SELECT node, build_code, customer FROM unit_claims WHERE unit = ? ORDER BY node"), unit);
  std::vector<Claim> out;
  while (q.step()) out.push_back({q->id(0), q->text(1), q->text(2)});
  return out;
}

std::int64_t Store::balance(const Id& item, const Id& location) {
  Query q(impl_->stmt("SELECT qty FROM balances WHERE item = ? AND location = ?"), item, location);
  return q.step() ? q->i64(0) : 0;
}

std::vector<BalanceRow> Store::balances() {
  Query q(impl_->stmt("SELECT item, location, qty FROM balances WHERE qty != 0 ORDER BY item, location"));
  std::vector<BalanceRow> out;
  while (q.step()) out.push_back({q->id(0), q->id(1), q->i64(2)});
  return out;
}

std::optional<UnitPlace> Store::unitPlace(const Id& unit) {
  Query q(impl_->stmt("SELECT location, at FROM unit_places WHERE unit = ?"), unit);
  if (!q.step()) return std::nullopt;
  return UnitPlace{q->id(0), q->i64(1)};
}

namespace {
#define FIELDSYNC_MOVE_COLUMNS \
  "SELECT node, seq, hlc, at, kind, doc, item, from_loc, to_loc, qty, unit, service_case, shipment, forced FROM moves "
#define FIELDSYNC_MOVE_ORDER " ORDER BY at, hlc, node, seq"
constexpr const char* kMovesOfDoc = FIELDSYNC_MOVE_COLUMNS "WHERE doc = ?" FIELDSYNC_MOVE_ORDER;
constexpr const char* kMovesOfUnit = FIELDSYNC_MOVE_COLUMNS "WHERE unit = ?" FIELDSYNC_MOVE_ORDER;
constexpr const char* kMovesOfCase = FIELDSYNC_MOVE_COLUMNS "WHERE service_case = ?" FIELDSYNC_MOVE_ORDER;
// The two halves use the (item, from_loc | to_loc, at, hlc) indexes; UNION
// keeps a movement once even if it were from and to the same location.
#define FIELDSYNC_LEDGER_RANGE " AND (at, hlc, node, seq) >= (?3, ?4, ?5, ?6) AND (at, hlc, node, seq) < (?7, ?8, ?9, ?10)"
constexpr const char* kMovesAt =
    FIELDSYNC_MOVE_COLUMNS "WHERE item = ?1 AND from_loc = ?2" FIELDSYNC_LEDGER_RANGE " UNION "
    FIELDSYNC_MOVE_COLUMNS "WHERE item = ?1 AND to_loc = ?2" FIELDSYNC_LEDGER_RANGE FIELDSYNC_MOVE_ORDER;
constexpr const char* kCountMovesAt =
    "SELECT count(*) FROM (SELECT node, seq FROM moves WHERE item = ?1 AND from_loc = ?2" FIELDSYNC_LEDGER_RANGE
    " UNION SELECT node, seq FROM moves WHERE item = ?1 AND to_loc = ?2" FIELDSYNC_LEDGER_RANGE ")";
#undef FIELDSYNC_LEDGER_RANGE
#undef FIELDSYNC_MOVE_COLUMNS
#undef FIELDSYNC_MOVE_ORDER

MoveRow moveAt(const Stmt& s) {
  MoveRow m;
  m.op = {s.id(0), static_cast<std::uint64_t>(s.i64(1))};
  m.hlc = static_cast<sync::HlcTime>(s.i64(2));
  m.at = s.i64(3);
  m.kind = static_cast<MoveKind>(s.i64(4));
  m.doc = s.id(5);
  m.item = s.id(6);
  m.from = s.id(7);
  m.to = s.id(8);
  m.qty = s.i64(9);
  m.unit = s.optId(10);
  m.service_case = s.optId(11);
  m.shipment = s.optId(12);
  m.forced = s.i64(13) != 0;
  return m;
}
}  // namespace

std::vector<MoveRow> Store::movesWhere(const char* sql, const Id& key) {
  Query q(impl_->stmt(sql), key);
  std::vector<MoveRow> out;
  while (q.step()) out.push_back(moveAt(q.row()));
  return out;
}

std::vector<MoveRow> Store::movesOfDoc(const Id& doc) { return movesWhere(kMovesOfDoc, doc); }
std::vector<MoveRow> Store::movesOfUnit(const Id& unit) { return movesWhere(kMovesOfUnit, unit); }
std::vector<MoveRow> Store::movesOfCase(const Id& service_case) { return movesWhere(kMovesOfCase, service_case); }

std::vector<MoveRow> Store::movesAt(const Id& item, const Id& location, const LedgerKey& from, const LedgerKey& to) {
  Query q(impl_->stmt(kMovesAt), item, location, from.at, from.hlc, from.op.node, from.op.seq, to.at, to.hlc,
          to.op.node, to.op.seq);
  std::vector<MoveRow> out;
  while (q.step()) out.push_back(moveAt(q.row()));
  return out;
}

// Ledger blocks (docs/reconciliation.md, "Long ledgers"). Adding a movement
// updates the net of the block it falls in and marks it dirty; ledger()
// recomputes dirty blocks. A block's outs are little-endian int64 running sums.
namespace {
constexpr std::size_t kBlockMoves = 256;  // a block is split when it holds more than twice this
}  // namespace

void Store::addToLedger(const MoveRow& m, const Id& location, std::int64_t delta) {
  Query(impl_->stmt("UPDATE ledger_blocks SET net = net + ?3, dirty = 1 WHERE item = ?1 AND location = ?2 AND "
                    "(at, hlc, node, seq) = (SELECT at, hlc, node, seq FROM ledger_blocks WHERE item = ?1 AND "
                    "location = ?2 AND (at, hlc, node, seq) <= (?4, ?5, ?6, ?7) "
                    "ORDER BY at DESC, hlc DESC, node DESC, seq DESC LIMIT 1)"),
        m.item, location, delta, m.at, m.hlc, m.op.node, m.op.seq)
      .run();
  if (impl_->db.changes() > 0) return;
  const LedgerKey first;  // the first block starts before every movement
  Query(impl_->stmt("INSERT INTO ledger_blocks(item, location, at, hlc, node, seq, net, low, dirty, outs) "
                    "VALUES(?, ?, ?, ?, ?, ?, ?, 0, 1, x'')"),
        m.item, location, first.at, first.hlc, first.op.node, first.op.seq, delta)
      .run();
}

// Reads the block's movements one at a time (a block never checked before
// may hold a long history) and writes it back as one or more blocks.
void Store::rewriteBlock(const Id& item, const Id& location, const LedgerKey& start, const LedgerKey& end) {
  auto range = [&](const char* sql) {
    return std::make_unique<Query>(impl_->stmt(sql), item, location, start.at, start.hlc, start.op.node, start.op.seq,
                                   end.at, end.hlc, end.op.node, end.op.seq);
  };
  std::size_t count = 0;
  if (auto c = range(kCountMovesAt); c->step()) count = static_cast<std::size_t>((*c)->i64(0));
  Query(impl_->stmt("DELETE FROM ledger_blocks WHERE item = ? AND location = ? AND (at, hlc, node, seq) = (?, ?, ?, ?)"),
        item, location, start.at, start.hlc, start.op.node, start.op.seq)
      .run();
  const std::size_t pieces = count > 2 * kBlockMoves ? count / kBlockMoves : 1;
  LedgerKey key = start;
  std::int64_t sum = 0;
  std::vector<std::int64_t> outs;
  auto flush = [&] {
    std::sort(outs.begin(), outs.end());
    std::string bytes;
    for (std::int64_t v : outs)
      for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>(static_cast<std::uint64_t>(v) >> (8 * b)));
    const std::int64_t low = outs.empty() ? 0 : std::min<std::int64_t>(0, outs.front());
    Stmt& s = impl_->stmt("INSERT INTO ledger_blocks(item, location, at, hlc, node, seq, net, low, dirty, outs) "
                          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, 0, ?)");
    Query q(s, item, location, key.at, key.hlc, key.op.node, key.op.seq, sum, low);
    s.bindBlob(9, bytes);
    q.run();
  };
  auto moves = range(kMovesAt);
  for (std::size_t i = 0, piece = 0; moves->step(); ++i) {
    const MoveRow m = moveAt(moves->row());
    if (i == (piece + 1) * count / pieces) {  // the next piece starts here
      flush();
      ++piece;
      key = {m.at, m.hlc, m.op};
      sum = 0;
      outs.clear();
    }
    const std::int64_t d = ledgerDelta(m, location);
    sum += d;
    if (d < 0) outs.push_back(sum);
  }
  flush();
}

std::vector<LedgerBlock> Store::ledger(const Id& item, const Id& location) {
  std::vector<LedgerBlock> blocks;
  std::vector<bool> dirty;
  {
    Query q(impl_->stmt("SELECT at, hlc, node, seq, net, low, dirty FROM ledger_blocks WHERE item = ? AND location = ? "
                        "ORDER BY at, hlc, node, seq"),
            item, location);
    while (q.step()) {
      const LedgerKey start{q->i64(0), static_cast<sync::HlcTime>(q->i64(1)),
                            {q->id(2), static_cast<std::uint64_t>(q->i64(3))}};
      if (!blocks.empty()) blocks.back().end = start;
      blocks.push_back({start, kEndOfLedger, q->i64(4), q->i64(5)});
      dirty.push_back(q->i64(6) != 0);
    }
  }
  bool rewritten = false;
  for (std::size_t i = 0; i < blocks.size(); ++i)
    if (dirty[i]) {
      rewriteBlock(item, location, blocks[i].start, blocks[i].end);
      rewritten = true;
    }
  return rewritten ? ledger(item, location) : blocks;  // read again: no block is dirty now
}

std::vector<std::int64_t> Store::ledgerOuts(const Id& item, const Id& location, const LedgerKey& start) {
  Query q(impl_->stmt("SELECT outs FROM ledger_blocks WHERE item = ? AND location = ? AND (at, hlc, node, seq) = "
                      "(?, ?, ?, ?)"),
          item, location, start.at, start.hlc, start.op.node, start.op.seq);
  std::vector<std::int64_t> out;
  if (!q.step()) return out;
  const std::string bytes = q->blob(0);
  for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i + b])) << (8 * b);
    out.push_back(static_cast<std::int64_t>(v));
  }
  return out;
}

std::vector<Store::TransitLine> Store::unbalancedTransit(const std::optional<Id>& doc) {
  // Movement kinds 3 and 4 are transit_out and transit_in (node/model.h).
  Query q(impl_->stmt("SELECT doc, item, unit, sum(CASE kind WHEN 3 THEN qty ELSE -qty END) AS open, "
                      "coalesce(min(CASE kind WHEN 3 THEN at END), 0) FROM moves "
                      "WHERE kind IN (3, 4) AND (?1 IS NULL OR doc = ?1) GROUP BY doc, item, unit HAVING open != 0 "
                      "ORDER BY doc, item"),
          doc);
  std::vector<TransitLine> out;
  while (q.step()) out.push_back({q->id(0), q->id(1), q->optId(2), q->i64(3), q->i64(4)});
  return out;
}

void Store::setStatus(sync::EntityType type, const Id& id, const Folded& f) {
  Query(impl_->stmt("INSERT INTO statuses(entity_type, entity, status, counted, anomalies, last_at) "
                    "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(entity_type, entity) DO UPDATE SET "
                    "status = excluded.status, counted = excluded.counted, anomalies = excluded.anomalies, "
                    "last_at = excluded.last_at"),
        static_cast<std::int64_t>(type), id, f.status, f.counted, f.anomalies, f.last_at)
      .run();
}

std::optional<Folded> Store::status(sync::EntityType type, const Id& id) {
  Query q(impl_->stmt("SELECT status, counted, anomalies, last_at FROM statuses WHERE entity_type = ? AND entity = ?"),
          static_cast<std::int64_t>(type), id);
  if (!q.step()) return std::nullopt;
  return Folded{static_cast<int>(q->i64(0)), static_cast<int>(q->i64(1)), static_cast<int>(q->i64(2)), q->i64(3), {}};
}

void Store::noteDate(const Id& unit, UnitDate which, std::int64_t at) {
#define FIELDSYNC_EARLIEST(col)                                                                        \
  "INSERT INTO unit_dates(unit, " col ") VALUES(?, ?) ON CONFLICT(unit) DO UPDATE SET " col " = CASE " \
  "WHEN " col " IS NULL OR excluded." col " < " col " THEN excluded." col " ELSE " col " END"
  static constexpr const char* kSql[] = {FIELDSYNC_EARLIEST("installed"), FIELDSYNC_EARLIEST("delivered")};
#undef FIELDSYNC_EARLIEST
  Query(impl_->stmt(kSql[static_cast<int>(which)]), unit, at).run();
}

Store::UnitDates Store::unitDates(const Id& unit) {
  Query q(impl_->stmt("SELECT installed, delivered FROM unit_dates WHERE unit = ?"), unit);
  UnitDates d;
  if (q.step()) {
    if (!q->isNull(0)) d.installed = q->i64(0);
    if (!q->isNull(1)) d.delivered = q->i64(1);
  }
  return d;
}

void Store::clearProjections() {
  impl_->exec(
      "DELETE FROM registers; DELETE FROM facts; DELETE FROM moves; DELETE FROM balances; DELETE FROM ledger_blocks; "
      "DELETE FROM unit_places; DELETE FROM unit_dates; DELETE FROM statuses; DELETE FROM unit_claims;");
}

void Store::importSeenReset() {
  impl_->exec("CREATE TEMP TABLE IF NOT EXISTS import_seen(id BLOB PRIMARY KEY) WITHOUT ROWID; "
              "DELETE FROM import_seen;");
}

bool Store::importSeen(const Id& id) {
  Query q(impl_->stmt("INSERT INTO import_seen(id) VALUES(?) ON CONFLICT DO NOTHING RETURNING id"), id);
  return !q.step();
}

}  // namespace fieldsync::node
