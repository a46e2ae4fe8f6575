// Node: the local replica on a tablet, handheld or phone, over one SQLite file.
//
// Every command validates its input against the node's merged state and
// either commits one transaction (the ops it made, the registers, facts and
// projections they change, the clock) or writes nothing and returns an
// error naming the field and what was wrong (Errc::invalid_input, not_found,
// or refused for a business rule). Ops from other replicas go through the
// same apply path (applyRemote), idempotently; facts are never refused
// there. Projections (balances, unit places, case and shipment statuses,
// warranty dates) are materialised incrementally and can be rebuilt from the
// op log. Codes (items, locations) are trimmed and upper-cased; their ids
// are natural ids, so two nodes that create the same code get one entity.
// docs/data-model.md describes the model. Not thread-safe: one Node per
// thread; several processes may open the same file (SQLite WAL locking).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/model.h"
#include "node/table.h"
#include "sync/hlc.h"
#include "sync/op.h"

namespace fieldsync::node {

template <class T>
using Result = sync::Result<T>;
using sync::Status;

struct ItemSpec {
  std::string code, name;
  bool serial_tracked = false;
  std::int64_t warranty_days = 0;
  std::int64_t low_stock = 0;  // milli-units; 0: no threshold
};

struct LocationSpec {
  std::string code, name;
  LocationKind kind = LocationKind::warehouse;
  std::string technician;  // a van's technician
  bool allow_negative = false;
};

struct UnitSpec {
  std::string item, serial, build_code, customer, site;
  std::optional<std::int64_t> manufactured_on;
};

struct InstallSpec {
  std::string item, serial, customer, site;
  std::string parent_item, parent_serial;  // a part installed into a device
  std::optional<std::int64_t> at;
};

struct MoveSpec {
  MoveKind kind = MoveKind::transfer;
  std::string item, from, to;        // codes
  std::optional<std::int64_t> qty;   // milli-units, for items not tracked by serial
  std::vector<std::string> serials;  // for serial-tracked items
  std::optional<std::int64_t> at;    // business time; now if absent
  std::string reason;
  bool force = false;  // record a physical fact the local state contradicts
};

struct CaseSpec {
  std::string customer, site, unit_item, unit_serial, problem;
  Priority priority = Priority::normal;
  std::optional<std::int64_t> at;
};

struct TrackSpec {
  ShipmentStatus status = ShipmentStatus::ready;
  std::optional<std::int64_t> at;
  std::string recipient, proof, place, reason;
  bool force = false;
};

struct ImportSummary {
  static constexpr std::size_t kMaxProblems = 100;
  std::uint64_t read = 0, created = 0, updated = 0, unchanged = 0, duplicates = 0, invalid = 0;
  std::vector<std::string> problems;  // "line N: reason", the first kMaxProblems
};

class Node {
 public:
  static Result<std::unique_ptr<Node>> init(const std::string& path, std::string_view company,
                                            sync::Hlc::WallClock wall = sync::Hlc::systemClock());
  static Result<std::unique_ptr<Node>> open(const std::string& path,
                                            sync::Hlc::WallClock wall = sync::Hlc::systemClock());
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  sync::Id nodeId() const;

  // Catalogue and locations.
  Result<Table> addItem(const ItemSpec& spec);
  Result<Table> addLocation(const LocationSpec& spec);
  Result<Table> items();
  Result<Table> locations();

  // Registered devices.
  Result<Table> registerUnit(const UnitSpec& spec);
  Result<Table> installUnit(const InstallSpec& spec);
  Result<Table> unitHistory(std::string_view item, std::string_view serial);
  Result<Table> units();
  // CSV with a header naming item, serial and optionally build_code,
  // customer, site, manufactured_on. One transaction; dry_run writes nothing.
  Result<ImportSummary> importUnits(std::istream& csv, bool dry_run,
                                    const std::function<void(std::uint64_t rows)>& progress = {});

  // Service cases; a case is named by its number or id.
  Result<Table> openCase(const CaseSpec& spec);
  Result<Table> scheduleVisit(std::string_view service_case, std::string_view technician, std::int64_t from,
                              std::int64_t to);
  Result<Table> setCaseStatus(std::string_view service_case, CaseStatus to, std::optional<std::int64_t> at);
  Result<Table> logActivity(std::string_view service_case, std::string_view text, std::optional<std::int64_t> at);
  Result<Table> usePart(std::string_view service_case, MoveSpec spec);  // from spec.from (a van)
  Result<Table> signOff(std::string_view service_case, std::string_view signer, std::optional<std::int64_t> at);
  Result<Table> showCase(std::string_view service_case);
  Result<Table> cases();

  // Stock movements (a document number is returned) and balances.
  Result<Table> moveStock(const MoveSpec& spec);
  Result<Table> arrive(std::string_view transfer_doc, std::string_view to, std::optional<std::int64_t> at);
  Result<Table> countStock(std::string_view item, std::string_view location, std::int64_t counted,
                           std::optional<std::int64_t> at);
  Result<Table> balances(std::string_view item = {}, std::string_view location = {});
  Result<Table> lowStock();

  // Deliveries; a shipment is named by its number or id.
  Result<Table> createShipment(std::string_view customer, std::string_view site, std::string_view origin);
  Result<Table> addShipmentLine(std::string_view shipment, std::string_view item, std::optional<std::int64_t> qty,
                                const std::vector<std::string>& serials, bool force);
  Result<Table> track(std::string_view shipment, const TrackSpec& spec);
  Result<Table> showShipment(std::string_view shipment);
  Result<Table> shipments();

  // The node itself.
  Result<Table> status();
  Result<std::string> exportJson();  // canonical: converged nodes print identical bytes
  Status rebuild();                  // recompute registers, facts and projections from the op log
  Result<std::string> digest();      // equals sync::Replica::digest() over the same ops

  static constexpr std::int64_t kDefaultMaxTransitMs = 3 * 86'400'000;
  // Reconciliation (docs/reconciliation.md): checks the business rules on
  // the keys `ops` touched, against the merged state, and raises, reopens or
  // closes exceptions (an exception's id derives from its kind and subjects,
  // so checking again never duplicates it). Returns the ops it wrote.
  Result<std::uint64_t> reconcile(std::span<const sync::Op> ops, std::int64_t max_transit_ms = kDefaultMaxTransitMs);
  // Transfers via transit still open after `max_transit_ms` (as of the
  // node's clock) are exceptions even when no new fact arrives: the
  // server sweeps with this. Returns the ops it wrote.
  Result<std::uint64_t> reconcileTransit(std::int64_t max_transit_ms);
  // Raises (or, with new evidence, reopens) one exception directly; for
  // checks that only the server can make, such as clock skew.
  Result<std::uint64_t> raiseException(std::string_view kind, std::span<const sync::Id> subjects,
                                       std::string_view subjects_text, std::string_view detail,
                                       std::string_view suggestion, std::int64_t evidence);
  Result<Table> exceptions(bool include_resolved);
  Result<Table> showException(std::string_view ref);
  // Resolving is an ordinary op. A negative_stock exception can also be
  // resolved with one compensating fact, in the same transaction: an
  // adjustment of a signed quantity at its location, now; or a retroactive
  // transfer of the deepest shortfall from another location, dated just
  // before the first movement that took the balance below zero.
  struct Resolution {
    std::string note;
    std::optional<std::int64_t> adjust;
    std::string transfer_from;  // a location code
  };
  Result<Table> resolveException(std::string_view ref, const Resolution& how);

  // Register writes without domain checks, one op each, in one transaction:
  // for bulk loads and benchmarks that know the model (docs/data-model.md).
  struct Write {
    sync::EntityType type = sync::EntityType::unspecified;
    sync::Id entity;
    std::vector<sync::Field> fields;
  };
  Status writeRegisters(std::span<const Write> writes);

  // Sync.
  Status applyRemote(std::span<const sync::Op> ops);
  // Applies a batch pulled from the server and records `cursor` (the
  // server sequence it reaches) in the same transaction.
  Status applyPulled(std::span<const sync::Op> ops, std::uint64_t cursor);
  // Local settings that never replicate: sync configuration and progress
  // ("sync.server", "sync.cursor", ...). Empty when unset.
  Result<std::string> setting(std::string_view key);
  Status setSetting(std::string_view key, std::string_view value);
  Result<std::uint64_t> settingNumber(std::string_view key);  // a counter setting; 0 when unset
  Result<std::uint64_t> ownSeq();  // the seq of this node's newest op
  std::string_view company() const;

  // Applies every op of another node's database (e.g. carried on a USB
  // stick); returns how many were new here.
  Result<std::uint64_t> mergeFrom(const std::string& other_path);
  Result<std::vector<sync::Op>> opsOf(const sync::Id& node, std::uint64_t after, std::size_t limit);
  Result<std::uint64_t> opCount();

  struct Core;  // internal/core.h

 private:
  explicit Node(std::unique_ptr<Core> core);
  std::unique_ptr<Core> core_;
};

}  // namespace fieldsync::node
