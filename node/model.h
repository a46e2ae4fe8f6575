// The domain model of a node: field numbers, kinds, state machines, folds.
//
// Entities are sync registers and events are sync facts (docs/op-model.md);
// this header says what their fields mean (docs/data-model.md). Everything
// here is pure: statuses are folds over transition facts ordered by
// (business time, hlc, node, seq), so any delivery order of the same facts
// gives the same status. Thread-safe (no state).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/op.h"
#include "sync/result.h"

namespace fieldsync::node {

using sync::FieldId;

// Register fields per entity type. Field 1 is sync::kDeletedField everywhere.
namespace item_f { constexpr FieldId code = 2, name = 3, serial_tracked = 4, warranty_days = 5, low_stock = 6; }
namespace location_f {
constexpr FieldId code = 2, name = 3, kind = 4, technician = 5, allow_negative = 6,
                  branch = 7;  // the branch it belongs to (docs/scopes.md); none: shared by every branch
}
namespace unit_f {
constexpr FieldId item = 2, serial = 3, build_code = 4, customer = 5, site = 6, parent = 7, manufactured_on = 8,
                  registered = 9,  // true on a registration write: what this node claims the unit is
    order = 10, order_line = 11;       // the customer's order and line it was delivered on (docs/data-model.md)
}
namespace case_f { constexpr FieldId number = 2, customer = 3, site = 4, unit = 5, problem = 6, priority = 7; }
namespace visit_f {
constexpr FieldId service_case = 2, technician = 3, window_from = 4, window_to = 5,
                  number = 6,        // "V-1a2b3c4d-0001" (visits scheduled before numbers were given have none)
                  follow_up_of = 7;  // the id of the visit that could not complete
}
namespace exception_f {
constexpr FieldId number = 2, kind = 3, subjects = 4, detail = 5, suggestion = 6, status = 7, note = 8,
                  evidence = 9, raised_at = 10,
                  subject_ids = 11;  // the 16-byte ids of its subjects, concatenated, in the check's order
}
namespace period_f {
constexpr FieldId branch = 2,  // empty: the whole company
    closed_until = 3;          // the first ms after the closed period, ms since the epoch, UTC
}
// Customers and their sites (docs/data-model.md, "Customers and sites"):
// a customer's id is the natural id of its code, a site's of its
// customer's code and its own; cases, shipments and units name them by
// their codes (case_f::customer, case_f::site, ...).
namespace customer_f { constexpr FieldId code = 2, name = 3, contact = 4, phone = 5, email = 6; }
namespace site_f { constexpr FieldId code = 2, customer = 3, address = 4; }
// Stock rules (docs/data-model.md, "Stock rules"): one register per
// (item, location), per item, or per location kind, with a natural id of
// what it names. A null field leaves the decision to the next rule.
namespace stock_rule_f {
constexpr FieldId item = 2, location = 3,  // ids; absent: any
    kind = 4,                               // LocationKind; present only on a rule for a kind of location
    low_stock = 5,                          // milli-units; 0: no threshold here; null: the item's
    allow_negative = 6;                     // true: may go below zero; false: may not; null: the next rule's
}
namespace doc_f { constexpr FieldId number = 2, kind = 3, reason = 4; }
namespace shipment_f {
constexpr FieldId number = 2, customer = 3, site = 4, origin = 5, transit = 6,
                  driver = 7;  // who drives it (docs/scopes.md)
}

// Fact fields; a field number means the same in every fact kind that has it.
namespace fact_f {
constexpr FieldId at = 2,  // business time: ms since the epoch, when it happened
    item = 3, from = 4, to = 5, qty = 6, unit = 7, service_case = 8, shipment = 9, move_kind = 10,
    status = 11, text = 12, reason = 13, forced = 14, proof = 15, place = 16, person = 17, counted = 18,
    customer = 19, site = 20, parent = 21,
    units = 22,  // a count of a serial-tracked item: the 16-byte ids of the units found, concatenated
    order = 23, order_line = 24;  // a shipment line's customer order number and line, 1 or more
}

enum class LocationKind { warehouse, bin, van, transit, supplier, customer, consumed, scrap, loss, repair };
// The numbers are stored; node/internal/store.cpp names transit_out (3) and transit_in (4).
enum class MoveKind {
  receipt, issue, transfer, transit_out, transit_in, consumption, customer_return, adjustment, count, scrap,
  shipment_out, shipment_delivery, shipment_return,
};
enum class CaseStatus { new_case, open, scheduled, in_progress, on_hold, resolved, closed, reopened, cancelled };
// The numbers are stored: a new status goes last.
enum class ShipmentStatus {
  created, ready, dispatched, in_transit, out_for_delivery, delivered, attempt_failed, returning, returned, cancelled,
  partially_delivered,  // delivered but for what the customer refused, which is on its way back
};
enum class Priority { low, normal, high, urgent };
// A visit's own status (docs/data-model.md, "Visits"); the numbers are stored.
enum class VisitStatus { scheduled, travelling, on_site, completed, cannot_complete };
enum class UnitState {
  registered, in_stock, in_transit, delivered, installed, under_repair, consumed, scrapped, returned,
  missing,  // a count where the ledger had it did not find it (docs/data-model.md, "Counts")
};

std::string_view name(LocationKind v);
std::string_view name(MoveKind v);
std::string_view name(CaseStatus v);
std::string_view name(ShipmentStatus v);
std::string_view name(Priority v);
std::string_view name(UnitState v);
std::string_view name(VisitStatus v);

// Parses a name as printed by name(); on failure the message lists the choices.
template <class E>
sync::Result<E> parseName(std::string_view text, std::string_view what);

// Virtual locations every node creates at init, by code.
struct DefaultLocation {
  std::string_view code;
  LocationKind kind;
};
constexpr std::array<DefaultLocation, 6> kDefaultLocations{{
    {"SUPPLIER", LocationKind::supplier}, {"CUSTOMER", LocationKind::customer},
    {"CONSUMED", LocationKind::consumed}, {"SCRAP", LocationKind::scrap},
    {"LOSS", LocationKind::loss},         {"TRANSIT", LocationKind::transit},
}};
bool holdsStock(LocationKind kind);  // warehouse, bin, van, transit, repair: physical stock we own

// State machines (docs/data-model.md).
std::vector<CaseStatus> nextStatuses(CaseStatus from);
std::vector<ShipmentStatus> nextStatuses(ShipmentStatus from);
std::vector<VisitStatus> nextStatuses(VisitStatus from);

// One transition fact, reduced to what a fold needs.
struct Transition {
  std::int64_t at = 0;  // business time
  sync::Stamp stamp;    // breaks ties of business time
  int to = 0;           // the status entered
  bool forced = false;  // recorded with --force: the field saw it happen
};

struct Folded {
  int status = 0;
  int counted = 0;       // entries into the counted status (reopened, attempt_failed)
  int anomalies = 0;     // transitions that were illegal once merged
  std::int64_t last_at = 0;  // when the final status was entered
  struct Skipped {
    std::int64_t at = 0;
    int from = 0, to = 0;
    bool kept = false;  // forced, so applied all the same
  };
  std::vector<Skipped> skipped;  // the illegal transitions, in order
};

// Sorts by (at, stamp) and walks the machine from its initial status. An
// illegal transition is an anomaly: skipped, unless it was forced (a fact
// the field saw, such as a delivery whose dispatch is not known yet), which
// is kept. When the missing facts arrive the sequence is legal and clean.
Folded foldCase(std::vector<Transition> events);
Folded foldShipment(std::vector<Transition> events);
Folded foldVisit(std::vector<Transition> events);

// Whether `next` fits a history: legal from the status it follows (`then`)
// and leaving every later transition legal. Otherwise `broken` is the first
// later one it would make illegal (if that is what is wrong).
struct Fit {
  bool ok = false;
  int then = 0;
  std::optional<Folded::Skipped> broken;
};
Fit fitCase(std::vector<Transition> events, const Transition& next);
Fit fitShipment(std::vector<Transition> events, const Transition& next);
Fit fitVisit(std::vector<Transition> events, const Transition& next);

UnitState unitState(std::optional<LocationKind> where, bool installed);

// One line of an entity's history (a unit's or a case's), oldest first.
struct HistoryEntry {
  std::int64_t at = 0;  // business time, ms since the epoch, UTC
  std::string event;    // "receipt", "installed", "status", "part", ...
  std::string detail;   // what happened, for people
  std::string person;   // a visit's technician, a sign-off's signer
  std::optional<std::int64_t> until;  // a visit: its window's end, ms since the epoch, UTC
};

// Text a person types, as it is stored (docs/data-model.md, "Text
// fields"): sync::normaliseText, or sync::normaliseSerial for a code or
// serial. Limits in bytes of UTF-8: one op can never outgrow a sync frame.
constexpr std::size_t kMaxCodeBytes = 128;     // codes, serials, document numbers
constexpr std::size_t kMaxNameBytes = 1024;    // names, places, reasons, build codes (one line)
constexpr std::size_t kMaxTextBytes = 16'384;  // sites (addresses), problems, activities, notes, proofs
constexpr std::size_t kMaxOpBytes = 65'536;    // one op, encoded
// Quantities a node makes: at most 10^12 units less a milli-unit.
constexpr std::int64_t kMaxQtyMilli = 999'999'999'999'999;
constexpr std::int64_t kMaxWarrantyDays = 36'500;  // a hundred years
constexpr std::size_t kMaxCountSerials = 4'000;    // units found by one count: 16 bytes each in one op
// An error names `field` when the text is not UTF-8, longer than `limit`
// or, when `required` says what is missing, empty once trimmed.
sync::Result<std::string> fieldText(std::string_view field, std::string_view value, std::size_t limit,
                                    std::string_view required = {});
// One line of text kept as typed (a customer's or site's code, an order
// number): fieldText with kMaxNameBytes, and a line break is refused.
sync::Result<std::string> fieldLine(std::string_view field, std::string_view value, std::string_view required = {});
sync::Result<std::string> fieldCode(std::string_view field, std::string_view value, std::string_view required = {});

// Quantities are int64 milli-units: "2" is 2000, "0.5" is 500; digits, at
// most one point and three decimals, and a sign only in front.
sync::Result<std::int64_t> parseQty(std::string_view text, std::string_view what);
std::string formatQty(std::int64_t milli);

// Times are ms since the epoch, UTC: "2026-11-21", "2026-11-21T08:30", "…T08:30:15Z";
// a date that is not in the calendar (2026-02-30) is an error naming `what`.
sync::Result<std::int64_t> parseTime(std::string_view text, std::string_view what);
// A business time may be at most this far ahead of the node's clock: what
// happened cannot have happened later than now, give or take a clock's drift.
constexpr std::int64_t kMaxOrderLine = 1'000'000;  // a customer order's line number, 1 to this
constexpr std::int64_t kBusinessTimeToleranceMs = 5 * 60 * 1000;
std::string formatTime(std::int64_t ms);

}  // namespace fieldsync::node
