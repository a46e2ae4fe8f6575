// Store: the node's SQLite file (WAL). Internal to fieldsync::node.
//
// Holds the op log, the registers (LWW, resolved in SQL), the facts and the
// materialised projections: stock balances, stock moves, each unit's place,
// case and shipment statuses, warranty starts. The node's SQL lives in the
// store files beside this header, one per seam: schema.cpp (migrations),
// store.cpp (op log, registers, facts), projections.cpp, ledger_blocks.cpp.
// Statements are prepared once (storage::Db). Failures throw StoreError
// (caught by Node at its API). One Store per thread; Node serialises access.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "node/model.h"
#include "storage/sqlite.h"
#include "sync/crypto.h"
#include "sync/replica.h"

namespace fieldsync::node {

using storage::StoreError;
using Attributes = std::map<FieldId, sync::Value>;

// One row of the moves projection: one fact, one item, one serial at most.
// In an (item, location)'s ledger a count is a row too: absolute, with
// from = to = the location and qty = the counted quantity.
struct MoveRow {
  sync::OpId op;
  sync::HlcTime hlc = 0;
  std::int64_t at = 0;
  MoveKind kind = MoveKind::receipt;
  sync::Id doc, item, from, to;
  std::int64_t qty = 0;             // milli-units, > 0 (a count: >= 0)
  std::optional<sync::Id> unit;     // serial-tracked: the unit moved
  std::optional<sync::Id> service_case, shipment;
  bool forced = false;
  bool absolute = false;  // a count: the balance is qty from here on
};

struct UnitPlace {
  sync::Id location;
  std::int64_t at = 0;
  sync::OpId op;  // the fact that put it there: a movement, or a count that found it there or did not
  bool by_count = false;
};

// Where a movement sits in business-time order: time, then HLC, then op id.
struct LedgerKey {
  std::int64_t at = std::numeric_limits<std::int64_t>::min();  // by default before every movement
  sync::HlcTime hlc = 0;
  sync::OpId op;
};
inline constexpr LedgerKey kEndOfLedger{std::numeric_limits<std::int64_t>::max(), 0, {}};
inline bool less(const LedgerKey& x, const LedgerKey& y) {
  return std::tie(x.at, x.hlc, x.op.node, x.op.seq) < std::tie(y.at, y.hlc, y.op.node, y.op.seq);
}
inline LedgerKey keyOf(const MoveRow& m) { return {m.at, m.hlc, m.op}; }

// What a movement does to the balance of a location: in positive, out negative.
inline std::int64_t ledgerDelta(const MoveRow& m, const sync::Id& location) {
  return (m.to == location ? m.qty : 0) - (m.from == location ? m.qty : 0);
}
// The balance after a ledger row, from the balance before it.
inline std::int64_t ledgerAfter(std::int64_t before, const MoveRow& m, const sync::Id& location) {
  return m.absolute ? m.qty : before + ledgerDelta(m, location);
}

// A block of one (item, location)'s ledger: the rows from its start up to
// the next block's start (ledger_blocks.h; docs/reconciliation.md, "Long
// ledgers"). A block that holds a count resets the balance there.
struct LedgerBlock {
  LedgerKey start, end;
  bool reset = false;    // it holds a count
  std::int64_t net = 0;  // reset: the balance at its end; else the sum of its movements
  std::int64_t low = 0;  // the lowest running sum before its first count, from 0 at the start; <= 0
  std::int64_t low_after = 0;  // reset: the lowest balance from its first count on
  // The block's effect on the balance before it.
  std::int64_t after(std::int64_t before) const { return reset ? net : before + net; }
  // Its lowest balance, given the balance before it.
  std::int64_t lowest(std::int64_t before) const {
    return reset ? std::min(before + low, low_after) : before + low;
  }
};

struct StoredBalance {
  sync::Id item, location;
  std::int64_t qty = 0;
};

class Store {
 public:
  static std::unique_ptr<Store> open(const std::string& path, bool create);
  ~Store();

  storage::Transaction transaction();  // a write transaction; rolled back unless committed

  std::optional<std::string> meta(std::string_view key);
  // A meta value that is a counter (seq, hlc, cursor); 0 when unset. Throws
  // StoreError when the stored text is not a number.
  std::uint64_t metaNumber(std::string_view key);
  void setMeta(std::string_view key, std::string_view value);
  int schemaVersion();

  // Op log, keyed by op id. appendOp returns false if the op was already there.
  bool appendOp(const sync::Op& op, std::string_view encoded);
  void removeOp(const sync::OpId& id);  // only to renumber this node's own ops (Node::recoverOwnOps)
  std::uint64_t opCount();
  void forEachOp(const std::function<void(const sync::Op&)>& fn);
  // Ops of one node with seq > after, in seq order (for sync).
  std::vector<sync::Op> opsOf(const sync::Id& node, std::uint64_t after, std::size_t limit);

  // Registers: last writer wins by stamp.
  void writeRegister(const sync::RegisterKey& key, const sync::Register& reg);
  Attributes entity(sync::EntityType type, const sync::Id& id);
  // Every entity of `type` with its value of `field` (scopes: node/scope.cpp).
  struct RegisterValue {
    sync::Id entity;
    sync::Value value;
    sync::Id writer;  // the node whose write wins
  };
  std::vector<RegisterValue> registerValues(sync::EntityType type, FieldId field);
  // The ops that make an entity's state: its registers' winning writes and
  // all its facts (a device's snapshot of what enters its scope).
  std::vector<sync::Op> entityOps(sync::EntityType type, const sync::Id& id);
  // Ops of these entities, except `self`'s after seq `keep_after` (not yet
  // acknowledged), are removed from the log; the caller rebuilds.
  std::uint64_t removeEntityOps(const std::set<sync::Id>& entities, const sync::Id& self, std::uint64_t keep_after);
  void removeOthersOps(const sync::Id& self);  // every op not made by `self`; the caller rebuilds
  // The node whose write of `field` wins (none: the field was never written).
  std::optional<sync::Id> writer(sync::EntityType type, const sync::Id& id, FieldId field);
  std::vector<sync::Id> entityIds(sync::EntityType type);
  // Cases, visits, shipments, stock documents or exceptions whose register `field`
  // holds `value` (text or blob).
  std::vector<sync::Id> findEntities(sync::EntityType type, FieldId field, const sync::Value& value);
  void forEachRegister(const std::function<void(const sync::RegisterKey&, const sync::Register&)>& fn);

  // Facts (op-id order for digests; by kind and entity for folds).
  void addFact(const sync::Op& fact, std::int64_t at);
  std::vector<sync::Op> facts(sync::FactKind kind, const sync::Id& entity);
  void forEachFact(const std::function<void(const sync::Op&)>& fn);

  // Projections.
  void addMove(const MoveRow& m);  // also updates balances; the unit's place is the node's (setUnitPlace)
  std::int64_t balance(const sync::Id& item, const sync::Id& location);
  // Balances that are not zero or were counted; with `all`, every pair that ever held stock.
  std::vector<StoredBalance> balances(bool all = false);
  std::optional<UnitPlace> unitPlace(const sync::Id& unit);
  void setUnitPlace(const sync::Id& unit, const std::optional<MoveRow>& last);  // none: nowhere
  std::vector<MoveRow> movesOfDoc(const sync::Id& doc);
  std::vector<MoveRow> movesOfUnit(const sync::Id& unit);
  std::vector<MoveRow> movesOfCase(const sync::Id& service_case);
  std::vector<MoveRow> movesOfShipment(const sync::Id& shipment);
  std::vector<sync::Id> casesSupplied(const sync::Id& location);  // cases with parts taken from it
  std::vector<sync::Id> itemsAt(const sync::Id& location);        // items with a balance there
  std::vector<sync::Id> docsAt(const sync::Id& item, const sync::Id& location);  // moving it there or out, counting it
  std::vector<sync::Id> docsOfShipment(const sync::Id& shipment);
  // In or out of a location, business-time order, from <= key < to.
  std::vector<MoveRow> movesAt(const sync::Id& item, const sync::Id& location, const LedgerKey& from,
                               const LedgerKey& to);
  // The ledger of (item, location) in blocks, in order; recomputes the
  // blocks that movements were added to since the last call, splitting
  // long ones.
  std::vector<LedgerBlock> ledger(const sync::Id& item, const sync::Id& location);
  // The balance after each movement out in the block that starts at
  // `start`, ascending: before its first count as running sums from 0 at
  // the start, and after it as balances.
  struct LedgerOuts {
    std::vector<std::int64_t> before, after;
  };
  LedgerOuts ledgerOuts(const sync::Id& item, const sync::Id& location, const LedgerKey& start);
  // The balance just before `key`, and the lowest it is after `key` until
  // the next count (which a change at `key` no longer reaches), with when.
  struct LedgerFrom {
    std::int64_t before = 0;
    std::optional<std::int64_t> lowest_after;  // none: nothing after `key` before a count
    std::int64_t lowest_at = 0;
  };
  LedgerFrom ledgerFrom(const sync::Id& item, const sync::Id& location, const LedgerKey& key);
  // Counts: absolute ledger rows (MoveRow::absolute); a count of a
  // serial-tracked item lists the units found.
  void addCount(const MoveRow& count, const std::vector<sync::Id>& found);
  std::vector<MoveRow> countsFinding(const sync::Id& unit);  // with unit set, by key
  // The first count of (item, location) strictly between the keys that did
  // not find `unit`.
  std::optional<MoveRow> countMissing(const sync::Id& item, const sync::Id& location, const sync::Id& unit,
                                      const LedgerKey& after, const LedgerKey& before);
  // The units a movement or count put at (item, location) before `key`:
  // those a count there at `key` may find missing.
  std::vector<sync::Id> unitsBefore(const sync::Id& item, const sync::Id& location, const LedgerKey& key);
  std::vector<MoveRow> countsOfDoc(const sync::Id& doc);
  std::optional<MoveRow> lastCount(const sync::Id& item, const sync::Id& location);  // the latest, by key
  // Transfers via transit whose (item, unit) lines do not balance: sent
  // minus arrived, and when they were first sent. Only unbalanced lines.
  struct TransitLine {
    sync::Id doc, item;
    std::optional<sync::Id> unit;
    std::int64_t open = 0, sent_at = 0;
  };
  std::vector<TransitLine> unbalancedTransit(const std::optional<sync::Id>& doc);
  void setStatus(sync::EntityType type, const sync::Id& id, const Folded& f);
  std::optional<Folded> status(sync::EntityType type, const sync::Id& id);
  enum class UnitDate { installed, delivered };
  void noteDate(const sync::Id& unit, UnitDate which, std::int64_t at);  // keeps the earliest
  struct UnitDates { std::optional<std::int64_t> installed, delivered; };
  // Registration claims: each node's latest build code and customer for a unit.
  struct Claim {
    sync::Id node;
    std::string build_code, customer;  // empty when the claim did not say
  };
  void addClaim(const sync::Id& unit, const sync::Stamp& stamp, const std::string& build_code,
                const std::string& customer);
  std::vector<Claim> claims(const sync::Id& unit);
  UnitDates unitDates(const sync::Id& unit);
  // Attachments (node/attachments.h): content-addressed bytes, kept across
  // rebuilds, and which facts refer to them (a projection). SQL in attachment_store.cpp.
  struct StoredAttachment {
    sync::Hash hash{};
    std::string type;
    std::uint64_t size = 0, held = 0;
    bool own = false, sent = false;
  };
  void putAttachment(const sync::Hash& h, std::string_view type, std::string_view bytes);  // own; kept if held
  std::vector<StoredAttachment> attachments();  // by hash
  std::optional<StoredAttachment> attachment(const sync::Hash& h);
  std::optional<std::string> attachmentBytes(const sync::Hash& h);  // only when wholly held
  // A piece of a download; false when `offset` is not the length held.
  bool appendAttachment(const sync::Hash& h, std::string_view type, std::uint64_t size, std::uint64_t offset,
                        std::string_view data);
  void dropAttachment(const sync::Hash& h);
  void markAttachmentSent(const sync::Hash& h);
  void addAttachmentRef(const sync::Hash& h, const sync::OpId& op, const sync::Id& entity);
  std::vector<std::pair<sync::Hash, sync::Id>> attachmentRefs();  // (hash, entity), by hash
  std::vector<sync::Hash> attachmentsToSend(const sync::Id& self, std::uint64_t acked);
  std::vector<std::pair<sync::Hash, std::uint64_t>> attachmentsWanted();  // (hash, bytes held)
  void forgetAttachmentsOfOthers();  // not own and no longer referred to

  void clearProjections();  // registers, facts and projections; keeps the op log and meta

  // Bulk import: remembers which ids a single import has seen (on disk).
  void importSeenReset();
  bool importSeen(const sync::Id& id);  // true if seen before in this import

 private:
  std::vector<MoveRow> movesWhere(storage::Sql sql, const sync::Id& key);
  struct Impl;  // internal/store_impl.h
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldsync::node
