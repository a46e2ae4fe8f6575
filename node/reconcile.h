// Reconciler: the server's business-rule checks over a node that holds the
// merged state (docs/reconciliation.md). Each check is a function of the
// merged facts, judged at each fact's business time, and writes what
// changed about its exception: raised, reopened with new evidence,
// refreshed, or closed when the rule holds again. An exception's id derives
// from its kind and subjects, so checking again never duplicates it. The
// server's only; a field device never runs it. Borrows the Node.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "node/node.h"

namespace fieldsync::node {

class Reconciler {
 public:
  explicit Reconciler(Node& node);

  static constexpr std::int64_t kDefaultMaxTransitMs = 3 * 86'400'000;
  // Checks the rules on the keys `ops` touched; returns the ops it wrote.
  Result<std::uint64_t> reconcile(std::span<const sync::Op> ops, std::int64_t max_transit_ms = kDefaultMaxTransitMs);
  // Transfers via transit still open after `max_transit_ms` (as of the
  // node's clock) are exceptions even when no new fact arrives.
  Result<std::uint64_t> sweepTransit(std::int64_t max_transit_ms);

  // One exception raised (or, with more evidence than before, reopened)
  // directly: for checks only the server can make, such as clock skew.
  struct Raise {
    std::string kind;
    std::vector<sync::Id> subjects;  // with kind, its identity
    std::string subjects_text, detail, suggestion;
    std::int64_t evidence = 0;  // how many facts break the rule
  };
  Result<std::uint64_t> raise(const Raise& exception);

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
