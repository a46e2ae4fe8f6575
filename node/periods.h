// Period close: the back office closes a branch's stock ledger through a
// date, as ERPNext's stock freeze date does (docs/data-model.md, "Period
// close"). A node that knows the close refuses a movement or count dated
// inside it unless forced; one that arrives at the server after the close
// (offline work) is kept and raises a closed_period exception
// (docs/reconciliation.md). A close is a register per branch (the latest
// close wins, so moving the date back reopens); an empty branch closes
// every location of the company. Times are ms since the epoch, UTC.
// Borrows the Node.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/node.h"

namespace fieldsync::node {

struct PeriodClose {
  std::string branch;   // empty: the whole company
  std::string through;  // the period's last day, "2026-10-31" (UTC); it closes at its end
};

struct PeriodRow {
  std::string branch;          // empty: the whole company
  std::string through;         // the last day closed, "2026-10-31"
  std::int64_t closed_until = 0;  // the first ms after the period
  bool operator==(const PeriodRow&) const = default;
};

struct PeriodClosed {
  PeriodRow period;
  std::string before;  // the last day closed before, "" if none
};

class Periods {
 public:
  explicit Periods(Node& node);

  // Refused: a --through that is not a date or has not ended yet.
  Result<PeriodClosed> close(const PeriodClose& spec);
  Result<std::vector<PeriodRow>> list();  // by branch

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
