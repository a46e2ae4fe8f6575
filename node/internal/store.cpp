// The node store: opening, meta, the op log, registers and facts.
#include "node/internal/store.h"

#include <type_traits>

#include "node/field_table.h"
#include "node/internal/store_impl.h"
#include "sync/bytes.h"
#include "sync/codec.h"

namespace fieldsync::node {

using sync::Value;

// Op bodies are stored in the codec's stored form (docs/op-encoding.md).
Op Store::Impl::opFromBody(const Stmt& s, int col) {
  auto op = sync::decodeOp(s.blob(col), sync::DecodeLimits{.max_bytes = 64u << 20, .max_fields = 4096});
  if (!op) throw StoreError("a stored op does not decode: " + op.error().message);
  return std::move(op).value();
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

std::unique_ptr<Store> Store::open(const std::string& path, bool create) {
  std::unique_ptr<Store> store(new Store(std::make_unique<Impl>(path, create)));
  store->impl_->db.migrate(storeMigrations());
  return store;
}

int Store::schemaVersion() { return impl_->db.userVersion(); }

storage::Transaction Store::transaction() { return storage::Transaction(impl_->db); }

std::optional<std::string> Store::meta(std::string_view key) {
  Query q(impl_->db.stmt("SELECT value FROM meta WHERE key = ?"), key);
  if (!q.step()) return std::nullopt;
  return q->text(0);
}

std::uint64_t Store::metaNumber(std::string_view key) {
  const auto text = meta(key);
  if (!text) return 0;
  auto n = sync::parseUnsigned(*text, "meta " + std::string(key));
  if (!n) throw StoreError("the node database is damaged: " + n.error().message);
  return *n;
}

void Store::setMeta(std::string_view key, std::string_view value) {
  Query(impl_->db.stmt("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
        key, value)
      .run();
}

bool Store::appendOp(const Op& op, std::string_view encoded) {
  Stmt& s = impl_->db.stmt("INSERT INTO ops(node, seq, hlc, body) VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING");
  Query q(s, op.id.node, op.id.seq, op.hlc);
  s.bindBlob(4, encoded);
  q.run();
  return impl_->db.changes() > 0;
}

void Store::removeOp(const sync::OpId& id) {
  Query(impl_->db.stmt("DELETE FROM ops WHERE node = ? AND seq = ?"), id.node, id.seq).run();
}

std::uint64_t Store::opCount() {
  Query q(impl_->db.stmt("SELECT count(*) FROM ops"));
  q.step();
  return static_cast<std::uint64_t>(q->i64(0));
}

void Store::forEachOp(const std::function<void(const Op&)>& fn) {
  // A statement of its own: fn may run other queries.
  auto s = impl_->db.prepare("SELECT body FROM ops ORDER BY node, seq");
  while (s->step()) fn(impl_->opFromBody(*s, 0));
}

std::vector<Op> Store::opsOf(const Id& node, std::uint64_t after, std::size_t limit) {
  Query q(impl_->db.stmt("SELECT body FROM ops WHERE node = ? AND seq > ? ORDER BY seq LIMIT ?"), node, after,
          static_cast<std::int64_t>(limit));
  std::vector<Op> out;
  while (q.step()) out.push_back(impl_->opFromBody(q.row(), 0));
  return out;
}

void Store::writeRegister(const sync::RegisterKey& key, const sync::Register& reg) {
  Stmt& s = impl_->db.stmt(
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
  Query q(impl_->db.stmt("SELECT field, tag, value FROM registers WHERE entity_type = ? AND entity = ?"),
          static_cast<std::int64_t>(type), id);
  Attributes out;
  while (q.step()) out.emplace(static_cast<FieldId>(q->i64(0)), valueAt(q.row(), 1, 2));
  return out;
}

std::vector<Store::RegisterValue> Store::registerValues(sync::EntityType type, FieldId field) {
  Query q(impl_->db.stmt("SELECT entity, tag, value, node FROM registers WHERE entity_type = ? AND field = ?"),
          static_cast<std::int64_t>(type), field);
  std::vector<RegisterValue> out;
  while (q.step()) out.push_back({q->id(0), valueAt(q.row(), 1, 2), q->id(3)});
  return out;
}

std::vector<Op> Store::entityOps(sync::EntityType type, const Id& id) {
  std::vector<Op> out;
  Query regs(impl_->db.stmt("SELECT o.body FROM ops o JOIN (SELECT DISTINCT node, seq FROM registers WHERE "
                            "entity_type = ? AND entity = ?) r ON o.node = r.node AND o.seq = r.seq"),
             static_cast<std::int64_t>(type), id);
  while (regs.step()) out.push_back(impl_->opFromBody(regs.row(), 0));
  for (const OpSpec& spec : fieldTable()) {  // the fact kinds this type of entity has
    if (spec.entity != type || spec.fact == sync::FactKind::none) continue;
    Query facts(impl_->db.stmt("SELECT o.body FROM facts f JOIN ops o ON o.node = f.node AND o.seq = f.seq "
                               "WHERE f.kind = ? AND f.entity = ?"),
                static_cast<std::int64_t>(spec.fact), id);
    while (facts.step()) out.push_back(impl_->opFromBody(facts.row(), 0));
  }
  return out;
}

std::uint64_t Store::removeEntityOps(const std::set<Id>& entities, const Id& self, std::uint64_t keep_after) {
  std::vector<sync::OpId> gone;
  forEachOp([&](const Op& op) {
    if (entities.count(op.entity) && !(op.id.node == self && op.id.seq > keep_after)) gone.push_back(op.id);
  });
  for (const sync::OpId& id : gone) removeOp(id);
  return gone.size();
}

void Store::removeOthersOps(const Id& self) {
  Query(impl_->db.stmt("DELETE FROM ops WHERE node != ?"), self).run();
}

std::optional<Id> Store::writer(sync::EntityType type, const Id& id, FieldId field) {
  Query q(impl_->db.stmt("SELECT node FROM registers WHERE entity_type = ? AND entity = ? AND field = ?"),
          static_cast<std::int64_t>(type), id, field);
  if (!q.step()) return std::nullopt;
  return q->id(0);
}

std::vector<Id> Store::entityIds(sync::EntityType type) {
  Query q(impl_->db.stmt("SELECT DISTINCT entity FROM registers WHERE entity_type = ? ORDER BY entity"),
          static_cast<std::int64_t>(type));
  std::vector<Id> out;
  while (q.step()) out.push_back(q->id(0));
  return out;
}

std::vector<Id> Store::findEntities(sync::EntityType type, FieldId field, const Value& value) {
  const auto t = static_cast<std::uint32_t>(type);
  if (t < 4 || t > 7) throw StoreError("findEntities: entity type " + std::to_string(t) + " has no value index");
  Stmt& s = impl_->db.stmt(
      "SELECT entity FROM registers WHERE entity_type IN (4, 5, 6, 7) AND entity_type = ? AND field = ? AND value = ? "
      "ORDER BY entity");
  Query q(s, static_cast<std::int64_t>(type), field);
  if (const auto* text = std::get_if<std::string>(&value)) s.bind(3, std::string_view(*text));
  else if (const auto* blob = std::get_if<sync::Blob>(&value)) s.bindBlob(3, blob->bytes);
  else throw StoreError("findEntities takes text or bytes");
  std::vector<Id> out;
  while (q.step()) out.push_back(q->id(0));
  return out;
}

void Store::forEachRegister(const std::function<void(const sync::RegisterKey&, const sync::Register&)>& fn) {
  auto stmt = impl_->db.prepare(
      "SELECT entity_type, entity, field, tag, value, hlc, node, seq FROM registers "
      "ORDER BY entity_type, entity, field");
  const Stmt& s = *stmt;
  while (stmt->step()) {
    sync::RegisterKey key{static_cast<sync::EntityType>(s.i64(0)), s.id(1), static_cast<FieldId>(s.i64(2))};
    sync::Register reg{valueAt(s, 3, 4),
                       {static_cast<sync::HlcTime>(s.i64(5)), s.id(6), static_cast<std::uint64_t>(s.i64(7))}};
    fn(key, reg);
  }
}

void Store::addFact(const Op& fact, std::int64_t at) {
  Query(impl_->db.stmt("INSERT INTO facts(node, seq, kind, entity, at) VALUES(?, ?, ?, ?, ?)"), fact.id.node, fact.id.seq,
        static_cast<std::int64_t>(fact.fact), fact.entity, at)
      .run();
}

std::vector<Op> Store::facts(sync::FactKind kind, const Id& entity) {
  Query q(impl_->db.stmt("SELECT o.body FROM facts f JOIN ops o ON o.node = f.node AND o.seq = f.seq "
                      "WHERE f.kind = ? AND f.entity = ? ORDER BY f.at, f.node, f.seq"),
          static_cast<std::int64_t>(kind), entity);
  std::vector<Op> out;
  while (q.step()) out.push_back(impl_->opFromBody(q.row(), 0));
  return out;
}

void Store::forEachFact(const std::function<void(const Op&)>& fn) {
  auto s = impl_->db.prepare(
      "SELECT o.body FROM facts f JOIN ops o ON o.node = f.node AND o.seq = f.seq ORDER BY f.node, f.seq");
  while (s->step()) fn(impl_->opFromBody(*s, 0));
}

void Store::clearProjections() {
  impl_->db.exec(
      "DELETE FROM registers; DELETE FROM facts; DELETE FROM moves; DELETE FROM counts; DELETE FROM count_units; DELETE FROM balances; DELETE FROM ledger_blocks; "
      "DELETE FROM unit_places; DELETE FROM unit_dates; DELETE FROM statuses; DELETE FROM unit_claims; DELETE FROM attachment_refs;");
}

void Store::importSeenReset() {
  impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS import_seen(id BLOB PRIMARY KEY) WITHOUT ROWID; "
              "DELETE FROM import_seen;");
}

bool Store::importSeen(const Id& id) {
  Query q(impl_->db.stmt("INSERT INTO import_seen(id) VALUES(?) ON CONFLICT DO NOTHING RETURNING id"), id);
  return !q.step();
}

}  // namespace fieldsync::node
