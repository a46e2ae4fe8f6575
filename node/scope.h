// Scopes: the share of the company each device holds (docs/scopes.md,
// "Scopes"; design.md §4). One table of role to rule in scope.cpp, judged
// on the server's merged state; the server sends each device the ops of
// the entities in its scope, their history when they enter it, and tells
// it to drop them when they leave. Borrows the Node.
#pragma once

#include <set>
#include <span>
#include <utility>
#include <vector>

#include "node/node.h"
#include "node/rights.h"

namespace fieldsync::node {

using ScopeKey = std::pair<sync::EntityType, sync::Id>;

struct Scope {
  bool everything = false;    // an administrator: every op, nothing tracked
  std::set<ScopeKey> entities;  // otherwise: exactly these
};

class Scopes {
 public:
  explicit Scopes(Node& merged);
  // The entities `who` holds now. Errc::invalid_input for a role with no rule.
  Result<Scope> of(const Principal& who);
  // The ops that make these entities' state (each register's winning
  // writes, every fact): what a device receives when they enter its scope.
  Result<std::vector<sync::Op>> snapshot(std::span<const ScopeKey> entities);
  // Whether the state has the entity (a register of it).
  Result<bool> known(const ScopeKey& entity);

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
