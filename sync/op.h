// Ops: the only way replicated data changes (docs/op-model.md).
//
// An op is identified by (node, seq): seq starts at 1 and increases by one
// for every op a node makes, so "which ops of node N do I have" is one
// number. An op carries an HLC timestamp, the entity it touches and either
//  - a register write: one or more fields, each a last-writer-wins register
//    ordered by (hlc, node, seq); deleting an entity is writing
//    kDeletedField = true; or
//  - a fact: an immutable event of a FactKind with its fields, kept in a
//    grow-only set keyed by op id and never edited (a mistake is corrected
//    by a new fact).
// Applying an op twice has no effect. Plain value types; thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sync/hlc.h"
#include "sync/id.h"
#include "sync/result.h"

namespace fieldsync::sync {

// Mirrors fieldsync.v1.EntityType (proto/fieldsync.proto); checked at compile time.
enum class EntityType : std::uint32_t {
  unspecified = 0, item = 1, location = 2, unit = 3, service_case = 4, visit = 5,
  shipment = 6, stock_doc = 7, customer = 8, site = 9, exception = 10, period = 11,
  stock_rule = 12,
};
// Mirrors fieldsync.v1.FactKind. `none` marks a register write.
enum class FactKind : std::uint32_t {
  none = 0, stock_move = 1, case_transition = 2, visit_transition = 3, activity = 4,
  part_used = 5, signoff = 6, tracking = 7, unit_event = 8, shipment_line = 9, stock_count = 10, assignment = 11,
};
constexpr std::uint32_t kMaxEntityType = 12;
constexpr std::uint32_t kMaxFactKind = 11;

using FieldId = std::uint32_t;
constexpr FieldId kDeletedField = 1;  // on every entity type; domain fields start at 2

struct Blob {
  std::string bytes;
  auto operator<=>(const Blob&) const = default;
};
// Null, integer, UTF-8 text, bytes, flag: the order of the oneof in Field.
using Value = std::variant<std::monostate, std::int64_t, std::string, Blob, bool>;

struct Field {
  FieldId id = 0;
  Value value;
  bool operator==(const Field&) const = default;
};

struct OpId {
  Id node;
  std::uint64_t seq = 0;
  auto operator<=>(const OpId&) const = default;
};

struct Op {
  OpId id;
  HlcTime hlc = 0;
  EntityType entity_type = EntityType::unspecified;
  Id entity;
  FactKind fact = FactKind::none;
  std::vector<Field> fields;

  bool isFact() const { return fact != FactKind::none; }
  bool operator==(const Op&) const = default;
};

// Checks what every op must satisfy before it is stored or sent: seq >= 1,
// known entity type and fact kind, a register write names at least one
// field and no field twice, field ids >= 1, text is valid UTF-8.
Status validate(const Op& op);

// The order of last-writer-wins: a greater stamp wins.
struct Stamp {
  HlcTime hlc = 0;
  Id node;
  std::uint64_t seq = 0;
  auto operator<=>(const Stamp&) const = default;
};
inline Stamp stampOf(const Op& op) { return {op.hlc, op.id.node, op.id.seq}; }

bool isValidUtf8(std::string_view text);

}  // namespace fieldsync::sync
