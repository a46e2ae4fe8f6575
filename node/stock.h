// Stock: movements between locations, documents and balances (a ledger of
// movement facts; balances are sums of it, never written). A command checks
// the local rules at the movement's business time (a serial is where the
// movement says; the source holds enough) and refuses with the reason, or,
// forced, records the physical fact anyway, marked as forced, for the server
// to reconcile (docs/data-model.md, docs/reconciliation.md). Quantities are
// milli-units; times are ms since the epoch, UTC. Borrows the Node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/catalogue.h"
#include "node/node.h"

namespace fieldsync::node {

struct MoveSpec {
  MoveKind kind = MoveKind::transfer;
  std::string item, from, to;        // codes; from/to default by kind (SUPPLIER, CUSTOMER, ...)
  std::optional<std::int64_t> qty;   // milli-units, for items not tracked by serial
  std::vector<std::string> serials;  // for serial-tracked items
  std::optional<std::int64_t> at;    // business time; now if absent
  std::string reason;
  bool force = false;  // record a physical fact the local state contradicts
};

// A stock document posted by a command.
struct MovePosted {
  sync::Id doc;
  std::string number;  // "D-1a2b3c4d-0001"; empty when nothing had to move (a count that matched)
  MoveKind kind = MoveKind::transfer;
  std::vector<std::string> items;  // item codes, sorted
  std::string from, to;            // location codes
  std::int64_t qty = 0;            // milli-units, all lines
  std::int64_t serials = 0;        // lines with a serial
  std::int64_t at = 0;             // business time
  bool forced = false;
};

// What arrived of a transfer via transit (step 2, possibly on another node).
struct ArrivalSpec {
  std::string transfer, to;          // the transfer's document number or id; where the goods arrived
  std::vector<std::string> serials;  // the serials that arrived; none (and no qty): all still in transit
  std::optional<std::int64_t> qty;   // milli-units of `item` that arrived, for items not tracked by serial
  std::string item;                  // may be left out when the transfer holds one item of the kind meant
  std::optional<std::int64_t> at;
  bool force = false;  // what arrived differs from what this node knows was sent: record it anyway
};

// What a count found at a location at its business time.
struct CountSpec {
  std::string item, location;        // codes
  std::optional<std::int64_t> qty;   // milli-units found; for a serial-tracked item only 0 (none found)
  std::vector<std::string> serials;  // a serial-tracked item: each serial found
  std::optional<std::int64_t> at;
  bool force = false;  // record it even if a later movement then goes below zero, or a serial was elsewhere
};

struct CountPosted {
  sync::Id doc;
  std::string number, item, location;
  std::int64_t counted = 0;   // milli-units
  std::int64_t variance = 0;  // counted minus what the ledger held then, as this node knows it
  std::vector<std::string> missing;  // serials the ledger had there then that were not found
  std::int64_t at = 0;
  bool forced = false;
};

struct BalanceRow {
  std::string item, location;  // codes; only locations that hold stock
  std::int64_t qty = 0;        // milli-units: the latest count plus the movements after it
  std::optional<std::int64_t> counted_at;  // the latest count's business time, if any
  std::int64_t variance = 0;   // that count's variance, as the merged ledger knows it now
};

// One row of an (item, location)'s ledger in business-time order.
struct LedgerRow {
  std::int64_t at = 0;
  std::string doc;                        // the document's number
  MoveKind kind = MoveKind::receipt;
  std::int64_t change = 0;                // milli-units, in positive, out negative (0 for a count)
  std::optional<std::int64_t> counted;    // a count: what was found
  std::int64_t balance = 0;               // after this row
  std::int64_t variance = 0;              // a count: counted minus the balance before it
  bool forced = false;
};

struct LowStockRow {
  std::string item, location;
  std::int64_t qty = 0, low_stock = 0;  // milli-units
  std::string rule;                     // whose threshold it is: "item X at LOC" or "item X"
  bool operator==(const LowStockRow&) const = default;
};

// A stock rule (docs/data-model.md, "Stock rules"): for an item at a
// location, for an item anywhere, or for every location of a kind. What a
// rule leaves unset (nullopt here, null in the register) the next rule
// decides; `clear_*` sets it back to unset.
struct StockRuleSpec {
  std::string item, location;           // codes; empty: any
  std::optional<LocationKind> kind;     // instead of a location
  std::optional<std::int64_t> low_stock;  // milli-units, 0 or more: only with an item and a location
  std::optional<bool> allow_negative;
  bool clear_low_stock = false, clear_allow_negative = false;
};
struct StockRuleView {
  std::string item, location, kind;  // codes and kind name; empty: any
  std::optional<std::int64_t> low_stock;  // milli-units
  std::optional<bool> allow_negative;
};
struct StockRuleSaved {
  StockRuleView rule;
  Saved result = Saved::created;
};
// What applies to an item at a location, and which rule says so.
struct StockPolicyView {
  std::string item, location;
  std::int64_t low_stock = 0;  // milli-units; 0: none
  std::string low_stock_rule;  // "item X at LOC", "item X" or empty
  bool own_threshold = false;  // the threshold is this location's (the server watches it: low_stock)
  bool allow_negative = false;
  std::string negative_rule;  // "item X at LOC", "location LOC", "item X", "kind van" or "default"
};

class Stock {
 public:
  explicit Stock(Node& node);

  Result<MovePosted> move(const MoveSpec& spec);
  // Receives a transfer via transit: what is named, or all it still has in
  // transit. A serial not sent on it, or more than is in transit, is
  // refused unless forced; the server reports the difference as
  // transit_not_conserved (docs/reconciliation.md).
  Result<MovePosted> arrive(const ArrivalSpec& spec);
  // Records an absolute count (docs/data-model.md, "Counts"): from its
  // business time on, the balance is what was found plus the movements
  // after it, whatever arrives later from before it (that changes only its
  // variance). A count of a serial-tracked item lists the serials found:
  // those the ledger had there and the count did not find are missing from
  // then on. Refused when it would leave a later point of the ledger below
  // zero, or a serial found was elsewhere then, unless forced.
  Result<CountPosted> count(const CountSpec& spec);
  // The ledger of (item, location), oldest first, with the running balance.
  Result<std::vector<LedgerRow>> ledger(std::string_view item, std::string_view location);
  // Balances by item, then location, that are not zero or were counted
  // (with `empty`, also those that hold nothing now); empty filters mean all.
  Result<std::vector<BalanceRow>> balances(std::string_view item = {}, std::string_view location = {},
                                           bool empty = false);
  // Balances below their threshold (docs/data-model.md, "Stock rules"), by
  // location, then item; an (item, location) with a threshold of its own
  // that never held stock is listed at 0. `location` empty: all.
  Result<std::vector<LowStockRow>> low(std::string_view location = {});

  // Sets a rule's fields (only those given); supervisors and administrators.
  // Refused (Errc::invalid, naming the option): no field, a threshold
  // without both an item and a location, a negative rule for a location
  // alone (that is `location set --allow-negative`), or a location and a kind.
  Result<StockRuleSaved> setRule(const StockRuleSpec& spec);
  Result<std::vector<StockRuleView>> rules();  // every rule, by item, location, kind
  Result<StockPolicyView> policy(std::string_view item, std::string_view location);

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
