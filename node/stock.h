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

struct BalanceRow {
  std::string item, location;  // codes; only locations that hold stock
  std::int64_t qty = 0;        // milli-units
};

struct LowStockRow {
  std::string item, location;
  std::int64_t qty = 0, low_stock = 0;  // milli-units
};

class Stock {
 public:
  explicit Stock(Node& node);

  Result<MovePosted> move(const MoveSpec& spec);
  // Receives what a transfer via transit (`transfer_doc`, number or id) still has in transit.
  Result<MovePosted> arrive(std::string_view transfer_doc, std::string_view to, std::optional<std::int64_t> at);
  // Posts the difference between `counted` and the balance (to or from LOSS).
  Result<MovePosted> count(std::string_view item, std::string_view location, std::int64_t counted,
                           std::optional<std::int64_t> at);
  // Non-zero balances by item, then location; empty filters mean all.
  Result<std::vector<BalanceRow>> balances(std::string_view item = {}, std::string_view location = {});
  Result<std::vector<LowStockRow>> low();  // balances below their item's threshold

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
