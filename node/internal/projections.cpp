// The node store's projections: movements, balances, unit places and
// dates, registration claims, transit lines, folded statuses.
#include "node/internal/store_impl.h"

namespace fieldsync::node {

void Store::addMove(const MoveRow& m) {
  Query(impl_->db.stmt("INSERT INTO moves(node, seq, hlc, at, kind, doc, item, from_loc, to_loc, qty, unit, "
                    "service_case, shipment, forced) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        m.op.node, m.op.seq, m.hlc, m.at, static_cast<int>(m.kind), m.doc, m.item, m.from, m.to, m.qty, m.unit,
        m.service_case, m.shipment, m.forced)
      .run();
  // A movement before the latest count of its (item, location) changes
  // that count's variance, not the balance (docs/data-model.md, "Counts").
  Stmt& bal = impl_->db.stmt(
      "INSERT INTO balances(item, location, qty) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(item, location) DO UPDATE SET qty = qty + excluded.qty "
      "WHERE count_at IS NULL OR (?4, ?5, ?6, ?7) > (count_at, count_hlc, count_node, count_seq)");
  Query(bal, m.item, m.from, -m.qty, m.at, m.hlc, m.op.node, m.op.seq).run();
  Query(bal, m.item, m.to, m.qty, m.at, m.hlc, m.op.node, m.op.seq).run();
  impl_->ledger.add(m, m.from);
  impl_->ledger.add(m, m.to);
}

void Store::setUnitPlace(const Id& unit, const std::optional<MoveRow>& last) {
  if (!last) {
    Query(impl_->db.stmt("DELETE FROM unit_places WHERE unit = ?"), unit).run();
    return;
  }
  Query(impl_->db.stmt("INSERT OR REPLACE INTO unit_places(unit, location, at, hlc, node, seq) VALUES(?, ?, ?, ?, ?, ?)"),
        unit, last->to, last->at, last->hlc, last->op.node, last->op.seq)
      .run();
}

void Store::addCount(const MoveRow& c, const std::vector<Id>& found) {
  Query(impl_->db.stmt("INSERT INTO counts(node, seq, hlc, at, doc, item, location, counted, forced) "
                       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        c.op.node, c.op.seq, c.hlc, c.at, c.doc, c.item, c.to, c.qty, c.forced)
      .run();
  for (const Id& unit : found)
    Query(impl_->db.stmt("INSERT OR IGNORE INTO count_units(node, seq, unit) VALUES(?, ?, ?)"), c.op.node, c.op.seq,
          unit)
        .run();
  impl_->ledger.add(c, c.to);
  // The latest count sets the balance: it plus the movements after it.
  Query(impl_->db.stmt(
            "INSERT INTO balances(item, location, qty, count_at, count_hlc, count_node, count_seq) "
            "VALUES(?1, ?2, ?3 + coalesce((SELECT sum(qty) FROM moves WHERE item = ?1 AND to_loc = ?2 AND "
            "(at, hlc, node, seq) > (?4, ?5, ?6, ?7)), 0) - coalesce((SELECT sum(qty) FROM moves WHERE item = ?1 AND "
            "from_loc = ?2 AND (at, hlc, node, seq) > (?4, ?5, ?6, ?7)), 0), ?4, ?5, ?6, ?7) "
            "ON CONFLICT(item, location) DO UPDATE SET qty = excluded.qty, count_at = excluded.count_at, "
            "count_hlc = excluded.count_hlc, count_node = excluded.count_node, count_seq = excluded.count_seq "
            "WHERE count_at IS NULL OR (excluded.count_at, excluded.count_hlc, excluded.count_node, "
            "excluded.count_seq) > (count_at, count_hlc, count_node, count_seq)"),
        c.item, c.to, c.qty, c.at, c.hlc, c.op.node, c.op.seq)
      .run();
}

namespace {
constexpr storage::Sql kCountsOfDoc = FIELDSYNC_COUNT_COLUMNS "WHERE doc = ?" FIELDSYNC_MOVE_ORDER;
constexpr storage::Sql kLastCount = FIELDSYNC_COUNT_COLUMNS
    "WHERE item = ? AND location = ? ORDER BY at DESC, hlc DESC, node DESC, seq DESC LIMIT 1";
constexpr storage::Sql kCountsFinding = FIELDSYNC_COUNT_COLUMNS
    "WHERE (node, seq) IN (SELECT node, seq FROM count_units WHERE unit = ?)" FIELDSYNC_MOVE_ORDER;
constexpr storage::Sql kCountMissing = FIELDSYNC_COUNT_COLUMNS
    "WHERE item = ?1 AND location = ?2 AND (at, hlc, node, seq) > (?3, ?4, ?5, ?6) AND "
    "(at, hlc, node, seq) < (?7, ?8, ?9, ?10) AND (node, seq) NOT IN (SELECT node, seq FROM count_units WHERE unit = ?11)"
    FIELDSYNC_MOVE_ORDER " LIMIT 1";
}  // namespace

std::vector<MoveRow> Store::countsOfDoc(const Id& doc) { return movesWhere(kCountsOfDoc, doc); }

std::vector<MoveRow> Store::countsFinding(const Id& unit) {
  std::vector<MoveRow> out = movesWhere(kCountsFinding, unit);
  for (MoveRow& c : out) c.unit = unit;
  return out;
}

std::optional<MoveRow> Store::countMissing(const Id& item, const Id& location, const Id& unit, const LedgerKey& after,
                                           const LedgerKey& before) {
  Query q(impl_->db.stmt(kCountMissing), item, location, after.at, after.hlc, after.op.node, after.op.seq, before.at,
          before.hlc, before.op.node, before.op.seq, unit);
  if (!q.step()) return std::nullopt;
  return moveRow(q.row());
}

std::vector<Id> Store::unitsBefore(const Id& item, const Id& location, const LedgerKey& key) {
  Query q(impl_->db.stmt(
              "SELECT unit FROM moves WHERE item = ?1 AND to_loc = ?2 AND unit IS NOT NULL AND "
              "(at, hlc, node, seq) < (?3, ?4, ?5, ?6) UNION SELECT unit FROM count_units WHERE (node, seq) IN "
              "(SELECT node, seq FROM counts WHERE item = ?1 AND location = ?2 AND (at, hlc, node, seq) < (?3, ?4, ?5, ?6)) "
              "ORDER BY 1"),
          item, location, key.at, key.hlc, key.op.node, key.op.seq);
  std::vector<Id> out;
  while (q.step()) out.push_back(q->id(0));
  return out;
}

std::optional<MoveRow> Store::lastCount(const Id& item, const Id& location) {
  Query q(impl_->db.stmt(kLastCount), item, location);
  if (!q.step()) return std::nullopt;
  return moveRow(q.row());
}

void Store::addClaim(const Id& unit, const sync::Stamp& stamp, const std::string& build_code,
                     const std::string& customer) {
  Stmt& s = impl_->db.stmt(
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
  Query q(impl_->db.stmt("SELECT node, build_code, customer FROM unit_claims WHERE unit = ? ORDER BY node"), unit);
  std::vector<Claim> out;
  while (q.step()) out.push_back({q->id(0), q->text(1), q->text(2)});
  return out;
}

std::int64_t Store::balance(const Id& item, const Id& location) {
  Query q(impl_->db.stmt("SELECT qty FROM balances WHERE item = ? AND location = ?"), item, location);
  return q.step() ? q->i64(0) : 0;
}

std::vector<StoredBalance> Store::balances(bool all) {
  Query q(impl_->db.stmt("SELECT item, location, qty FROM balances WHERE qty != 0 OR count_at IS NOT NULL OR ? "
                         "ORDER BY item, location"),
          all);
  std::vector<StoredBalance> out;
  while (q.step()) out.push_back({q->id(0), q->id(1), q->i64(2)});
  return out;
}

std::optional<UnitPlace> Store::unitPlace(const Id& unit) {
  Query q(impl_->db.stmt("SELECT location, at, node, seq, EXISTS(SELECT 1 FROM counts c WHERE c.node = p.node AND "
                         "c.seq = p.seq) FROM unit_places p WHERE unit = ?"),
          unit);
  if (!q.step()) return std::nullopt;
  return UnitPlace{q->id(0), q->i64(1), {q->id(2), static_cast<std::uint64_t>(q->i64(3))}, q->i64(4) != 0};
}

namespace {
constexpr storage::Sql kMovesOfDoc = FIELDSYNC_MOVE_COLUMNS "WHERE doc = ?" FIELDSYNC_MOVE_ORDER;
constexpr storage::Sql kMovesOfUnit = FIELDSYNC_MOVE_COLUMNS "WHERE unit = ?" FIELDSYNC_MOVE_ORDER;
constexpr storage::Sql kMovesOfCase = FIELDSYNC_MOVE_COLUMNS "WHERE service_case = ?" FIELDSYNC_MOVE_ORDER;
constexpr storage::Sql kMovesOfShipment = FIELDSYNC_MOVE_COLUMNS "WHERE shipment = ?" FIELDSYNC_MOVE_ORDER;
}  // namespace

MoveRow moveRow(const Stmt& s) {
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
  m.absolute = s.i64(14) != 0;
  return m;
}

std::vector<MoveRow> Store::movesWhere(storage::Sql sql, const Id& key) {
  Query q(impl_->db.stmt(sql), key);
  std::vector<MoveRow> out;
  while (q.step()) out.push_back(moveRow(q.row()));
  return out;
}

std::vector<MoveRow> Store::movesOfDoc(const Id& doc) { return movesWhere(kMovesOfDoc, doc); }
std::vector<MoveRow> Store::movesOfUnit(const Id& unit) { return movesWhere(kMovesOfUnit, unit); }
std::vector<MoveRow> Store::movesOfCase(const Id& service_case) { return movesWhere(kMovesOfCase, service_case); }
std::vector<MoveRow> Store::movesOfShipment(const Id& shipment) { return movesWhere(kMovesOfShipment, shipment); }

namespace {
std::vector<Id> ids(Query& q) {
  std::vector<Id> out;
  while (q.step()) out.push_back(q->id(0));
  return out;
}
}  // namespace

std::vector<Id> Store::casesSupplied(const Id& location) {
  Query q(impl_->db.stmt("SELECT DISTINCT service_case FROM moves WHERE from_loc = ? AND service_case IS NOT NULL "
                         "ORDER BY service_case"),
          location);
  return ids(q);
}

std::vector<Id> Store::itemsAt(const Id& location) {
  Query q(impl_->db.stmt("SELECT item FROM balances WHERE location = ? ORDER BY item"), location);
  return ids(q);
}

std::vector<Id> Store::docsAt(const Id& item, const Id& location) {
  Query q(impl_->db.stmt("SELECT doc FROM moves WHERE item = ?1 AND from_loc = ?2 UNION "
                         "SELECT doc FROM moves WHERE item = ?1 AND to_loc = ?2 UNION "
                         "SELECT doc FROM counts WHERE item = ?1 AND location = ?2"),
          item, location);
  return ids(q);
}

std::vector<Id> Store::docsOfShipment(const Id& shipment) {
  Query q(impl_->db.stmt("SELECT DISTINCT doc FROM moves WHERE shipment = ?"), shipment);
  return ids(q);
}

std::vector<MoveRow> Store::movesAt(const Id& item, const Id& location, const LedgerKey& from, const LedgerKey& to) {
  return impl_->ledger.moves(item, location, from, to);
}

Store::LedgerFrom Store::ledgerFrom(const Id& item, const Id& location, const LedgerKey& key) {
  return impl_->ledger.from(item, location, key);
}

std::vector<LedgerBlock> Store::ledger(const Id& item, const Id& location) { return impl_->ledger.blocks(item, location); }

Store::LedgerOuts Store::ledgerOuts(const Id& item, const Id& location, const LedgerKey& start) {
  return impl_->ledger.outs(item, location, start);
}

std::vector<Store::TransitLine> Store::unbalancedTransit(const std::optional<Id>& doc) {
  // Movement kinds 3 and 4 are transit_out and transit_in (node/model.h).
  Query q(impl_->db.stmt("SELECT doc, item, unit, sum(CASE kind WHEN 3 THEN qty ELSE -qty END) AS open, "
                      "coalesce(min(CASE kind WHEN 3 THEN at END), 0) FROM moves "
                      "WHERE kind IN (3, 4) AND (?1 IS NULL OR doc = ?1) GROUP BY doc, item, unit HAVING open != 0 "
                      "ORDER BY doc, item"),
          doc);
  std::vector<TransitLine> out;
  while (q.step()) out.push_back({q->id(0), q->id(1), q->optId(2), q->i64(3), q->i64(4)});
  return out;
}

void Store::setStatus(sync::EntityType type, const Id& id, const Folded& f) {
  Query(impl_->db.stmt("INSERT INTO statuses(entity_type, entity, status, counted, anomalies, last_at) "
                    "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(entity_type, entity) DO UPDATE SET "
                    "status = excluded.status, counted = excluded.counted, anomalies = excluded.anomalies, "
                    "last_at = excluded.last_at"),
        static_cast<std::int64_t>(type), id, f.status, f.counted, f.anomalies, f.last_at)
      .run();
}

std::optional<Folded> Store::status(sync::EntityType type, const Id& id) {
  Query q(impl_->db.stmt("SELECT status, counted, anomalies, last_at FROM statuses WHERE entity_type = ? AND entity = ?"),
          static_cast<std::int64_t>(type), id);
  if (!q.step()) return std::nullopt;
  return Folded{static_cast<int>(q->i64(0)), static_cast<int>(q->i64(1)), static_cast<int>(q->i64(2)), q->i64(3), {}};
}

void Store::noteDate(const Id& unit, UnitDate which, std::int64_t at) {
#define FIELDSYNC_EARLIEST(col)                                                                        \
  "INSERT INTO unit_dates(unit, " col ") VALUES(?, ?) ON CONFLICT(unit) DO UPDATE SET " col " = CASE " \
  "WHEN " col " IS NULL OR excluded." col " < " col " THEN excluded." col " ELSE " col " END"
  static constexpr storage::Sql kSql[] = {FIELDSYNC_EARLIEST("installed"), FIELDSYNC_EARLIEST("delivered")};
#undef FIELDSYNC_EARLIEST
  Query(impl_->db.stmt(kSql[static_cast<int>(which)]), unit, at).run();
}

Store::UnitDates Store::unitDates(const Id& unit) {
  Query q(impl_->db.stmt("SELECT installed, delivered FROM unit_dates WHERE unit = ?"), unit);
  UnitDates d;
  if (q.step()) {
    if (!q->isNull(0)) d.installed = q->i64(0);
    if (!q->isNull(1)) d.delivered = q->i64(1);
  }
  return d;
}

}  // namespace fieldsync::node
