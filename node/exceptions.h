// Exceptions: the queue of business-rule violations that the server's
// reconciliation found when offline work merged (docs/reconciliation.md).
// An exception is an entity like any other: it syncs to every node, and
// resolving it is an ordinary op, optionally with one compensating stock
// movement in the same transaction. Borrows the Node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/node.h"

namespace fieldsync::node {

struct ExceptionRow {
  std::string number;    // "X-" and 10 hex digits of its id
  std::string kind;      // negative_stock, serial_conflict, ... (docs/reconciliation.md)
  std::string status;    // open or resolved
  std::string subjects;  // what it is about, for people: "SEAL at WH1"
  std::int64_t raised = 0;
  bool operator==(const ExceptionRow&) const = default;
};
struct ExceptionView {
  ExceptionRow row;
  std::string detail, suggestion, note;
  sync::Id id;
  std::vector<sync::Id> subjects;  // in the check's order (a quarantined exception: the device)
};

// A negative_stock exception may be resolved with one compensating fact:
// an adjustment of a signed quantity at its location, now; or a
// retroactive transfer of the deepest shortfall from another location,
// dated just before the first movement that took the balance below zero.
struct Resolution {
  std::string note;
  std::optional<std::int64_t> adjust;  // milli-units
  std::string transfer_from;           // a location code
  // A quarantined exception is resolved only on the server, which sets this
  // after releasing or rejecting the held ops (docs/scopes.md, "Quarantine").
  bool held_ops_decided = false;
};
struct Resolved {
  std::string number, note;
  std::string movement;           // the compensating document's number, if any
  std::optional<std::int64_t> at;  // its business time
};

class Exceptions {
 public:
  explicit Exceptions(Node& node);

  Result<std::vector<ExceptionRow>> list(bool include_resolved);  // by kind, then subjects
  Result<ExceptionView> show(std::string_view ref);              // by number or id
  Result<Resolved> resolve(std::string_view ref, const Resolution& how);

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
