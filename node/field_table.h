// The field numbers of every register and fact kind, with the kind of value
// each holds and its unit: what an independent client needs to read and
// write ops. docs/op-encoding.md, "Field numbers", prints this table
// (tests/node/field_table_test.cpp keeps the two equal), and the node checks
// every op it makes against it, so neither can drift from the code.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sync/op.h"
#include "sync/result.h"

namespace fieldsync::node {

// The alternatives of fieldsync.v1.Field's value.
enum class ValueKind { integer, text, blob, flag };

struct FieldSpec {
  sync::FieldId id = 0;
  std::string_view name;
  ValueKind kind = ValueKind::integer;
  std::string_view meaning;  // unit, enumeration or what the bytes are
  std::size_t limit = 1024;  // text: bytes of UTF-8 (docs/data-model.md, "Text fields")
  std::int64_t min = INT64_MIN, max = INT64_MAX;  // integer: the range a node makes
  bool nullable = false;  // null (an empty value) is allowed too: "unset"
};

// The fields one entity type's registers (fact == none) or one fact kind may carry.
struct OpSpec {
  sync::EntityType entity = sync::EntityType::unspecified;
  sync::FactKind fact = sync::FactKind::none;
  std::span<const FieldSpec> fields;
};

std::span<const OpSpec> fieldTable();

// "STOCK_MOVE on STOCK_DOC" or "ITEM register": an op's kind, for messages.
std::string opLabel(const sync::Op& op);

// Whether an op fits the table: its (entity, fact kind) is listed and each
// field is listed for it with its kind of value and, for an integer, in its
// range. The error names the field. The node checks every op it makes so.
sync::Status fitsFieldTable(const sync::Op& op);
// What the server checks of every op a device pushes: it fits the table,
// each text is within its limit and holds no control character a command
// would refuse, and the op is at most kMaxOpBytes encoded. Errc::invalid_input.
sync::Status checkPushedOp(const sync::Op& op);

// The table and the numbers of every enumeration stored in a field, as the
// Markdown docs/op-encoding.md holds between its "fields" markers.
std::string fieldTableMarkdown();

}  // namespace fieldsync::node
