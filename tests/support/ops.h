// One-line builders for ops, so a test reads like its story.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "sync/op.h"

namespace fieldsync::test {

using sync::EntityType;
using sync::FactKind;
using sync::Field;
using sync::Id;
using sync::Op;

// A node's op factory: numbers ops 1, 2, 3... like a real node.
struct Maker {
  Id node = sync::randomId();
  std::uint64_t seq = 0;

  Op write(const Id& entity, std::uint64_t hlc, std::initializer_list<Field> fields,
           EntityType type = EntityType::unit) {
    return Op{{node, ++seq}, hlc, type, entity, FactKind::none, fields};
  }
  Op fact(const Id& entity, std::uint64_t hlc, FactKind kind, std::initializer_list<Field> fields,
          EntityType type = EntityType::location) {
    return Op{{node, ++seq}, hlc, type, entity, kind, fields};
  }
};

inline Field text(sync::FieldId id, std::string v) { return {id, std::move(v)}; }
inline Field integer(sync::FieldId id, std::int64_t v) { return {id, v}; }

}  // namespace fieldsync::test
