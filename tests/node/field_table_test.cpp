// The field table is what docs/op-encoding.md prints, and it refuses what
// does not fit it (every op a node makes is checked against it).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "node/field_table.h"
#include "node/model.h"
#include "node/node_fixture.h"

using namespace fieldsync;
using node::fieldTableMarkdown;
using node::fitsFieldTable;

namespace {

std::string docSection(const std::string& path, const std::string& begin, const std::string& end) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto from = doc.find(begin), to = doc.find(end);
  if (from == std::string::npos || to == std::string::npos || to < from) return "(no markers in " + path + ")";
  const auto body = doc.find('\n', from) + 1;
  return doc.substr(body, to - body);
}

sync::Op op(sync::EntityType type, sync::FactKind kind, std::vector<sync::Field> fields) {
  return {{sync::Id{}, 1}, 0, type, sync::Id{}, kind, std::move(fields)};
}

}  // namespace

TEST_CASE("docs/op-encoding.md prints the field table the node checks its ops against", "[node][fields]") {
  const std::string expected = fieldTableMarkdown();
  const std::string doc = docSection(FIELDSYNC_DOCS_DIR "/op-encoding.md", "<!-- fields:begin", "<!-- fields:end");
  if (doc != expected) {
    std::ofstream("op-encoding-fields.md") << expected;
    FAIL("docs/op-encoding.md's field table differs from the code; the right text is in op-encoding-fields.md "
         "in the test's working directory");
  }
}

TEST_CASE("an op that does not fit the field table is named", "[node][fields]") {
  using sync::EntityType;
  using sync::FactKind;
  CHECK(fitsFieldTable(op(EntityType::item, FactKind::none, {{node::item_f::code, std::string("PUMP")}})));
  CHECK(fitsFieldTable(op(EntityType::stock_doc, FactKind::stock_count,
                          {{node::fact_f::at, std::int64_t{1}}, {node::fact_f::counted, std::int64_t{0}}})));

  auto unknown = fitsFieldTable(op(EntityType::item, FactKind::none, {{12, std::int64_t{1}}}));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "ITEM register: field 12 is not in the field table");

  auto kind = fitsFieldTable(op(EntityType::item, FactKind::none, {{node::item_f::code, std::int64_t{7}}}));
  REQUIRE_FALSE(kind);
  CHECK(kind.error().message == "ITEM register: field 2 (code) must be text");

  auto pair = fitsFieldTable(op(EntityType::item, FactKind::stock_move, {{node::fact_f::at, std::int64_t{1}}}));
  REQUIRE_FALSE(pair);
  CHECK(pair.error().message == "STOCK_MOVE on ITEM is not in the field table");

}

TEST_CASE("a node's natural ids are the documented vectors", "[node][fields]") {
  // docs/op-encoding.md, "Natural ids"; computed independently with Python's hashlib.blake2b.
  test::TempDir dir;
  auto n = test::newNode(dir, "n.db");  // company "ACME Service", stored as "ACME SERVICE"
  REQUIRE(node::Catalogue(*n).addItem({"pump-x1", "Pump", true, 0, 0}));
  REQUIRE(node::Catalogue(*n).registerUnit({"PUMP-X1", "SN-1001"}));
  std::map<std::string, std::string> ids;  // code or serial -> entity id
  for (const sync::Op& o : test::ok(n->opsOf(n->nodeId(), 0, 100))) {
    const sync::FieldId key = o.entity_type == sync::EntityType::unit ? node::unit_f::serial : node::item_f::code;
    for (const sync::Field& f : o.fields)
      if (!o.isFact() && f.id == key && std::holds_alternative<std::string>(f.value))
        ids[std::get<std::string>(f.value)] = o.entity.hex();
  }
  CHECK(ids["PUMP-X1"] == "7672316c438a6955e4e2961d5e6bac81");
  CHECK(ids["SUPPLIER"] == "fedf1a309abe0c9a2f9d961e9f223dab");
  CHECK(ids["SN-1001"] == "c3483b7c29c6b029e3cfcb0b0ca4e3b0");
}
