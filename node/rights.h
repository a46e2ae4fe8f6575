// Rights: who may make which op (docs/scopes.md, "Rights"; design.md §4,
// "Authorisation on every op"). One rule for both sides: the server judges
// every op a device pushes with it, and quarantines what it refuses; a node
// that knows its enrollment refuses such a command before it writes.
// Judged on a replica's registers and facts (the server's merged state, or
// the node's own). Borrows the Node.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "node/node.h"

namespace fieldsync::node {

// The roles a device is enrolled for.
constexpr std::array<std::string_view, 5> kRoles{"technician", "warehouse", "driver", "supervisor", "admin"};
// Whether the role names the person a device belongs to (a technician's
// van and cases, a driver's shipments).
bool rolePerson(std::string_view role);

// Names of branches and people compare as codes do (trimmed, case-insensitive).
inline bool sameName(std::string_view a, std::string_view b) {
  return sync::normaliseSerial(a) == sync::normaliseSerial(b);
}

// Who a device is: what enrollment gave it. Branch and person compare as
// codes do (trimmed, case-insensitive).
struct Principal {
  sync::Id node;  // the device
  std::string branch, role, person;
};

class Rights {
 public:
  explicit Rights(Node& state);
  // OK, or Errc::refused naming the rule the op breaks ("a technician moves
  // stock only out of its own van: VAN-BOB is held by bob"). An entity the
  // state does not know yet counts as the device's own new one; a location
  // without a branch is shared by every branch.
  Status check(const Principal& who, const sync::Op& op);

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
