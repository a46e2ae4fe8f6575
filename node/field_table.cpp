#include "node/field_table.h"

#include <algorithm>
#include <array>
#include <optional>
#include <variant>

#include "node/model.h"
#include "sync/codec.h"

namespace fieldsync::node {
namespace {

using sync::EntityType;
using sync::FactKind;
using V = ValueKind;

constexpr std::string_view kMs = "ms since the epoch, UTC";
constexpr FieldSpec kDeleted{sync::kDeletedField, "deleted", V::flag, "true: retired"};
constexpr FieldSpec kAt{fact_f::at, "at", V::integer, "business time: when it happened, ms since the epoch, UTC"};

constexpr std::array kItem{
    kDeleted,
    FieldSpec{item_f::code, "code", V::text, "a code (docs/data-model.md, Text fields)", kMaxCodeBytes},
    FieldSpec{item_f::name, "name", V::text, ""},
    FieldSpec{item_f::serial_tracked, "serial_tracked", V::flag, "every unit has a serial"},
    FieldSpec{item_f::warranty_days, "warranty_days", V::integer, "days", 0, 0, kMaxWarrantyDays},
    FieldSpec{item_f::low_stock, "low_stock", V::integer, "milli-units", 0, 0, kMaxQtyMilli},
};
constexpr std::array kLocation{
    kDeleted,
    FieldSpec{location_f::code, "code", V::text, "a code", kMaxCodeBytes},
    FieldSpec{location_f::name, "name", V::text, ""},
    FieldSpec{location_f::kind, "kind", V::integer, "LocationKind"},
    FieldSpec{location_f::technician, "technician", V::text, "a van's first holder (later: ASSIGNMENT facts)"},
    FieldSpec{location_f::allow_negative, "allow_negative", V::flag, ""},
    FieldSpec{location_f::branch, "branch", V::text, "the branch it belongs to; none: every branch's"},
};
constexpr std::array kUnit{
    kDeleted,
    FieldSpec{unit_f::item, "item", V::blob, "item id"},
    FieldSpec{unit_f::serial, "serial", V::text, "a code", kMaxCodeBytes},
    FieldSpec{unit_f::build_code, "build_code", V::text, ""},
    FieldSpec{unit_f::customer, "customer", V::text, ""},
    FieldSpec{unit_f::site, "site", V::text, "", kMaxTextBytes},
    FieldSpec{unit_f::parent, "parent", V::blob, "id of the unit it is a part of"},
    FieldSpec{unit_f::manufactured_on, "manufactured_on", V::integer, kMs},
    FieldSpec{unit_f::registered, "registered", V::flag, "true on a registration write"},
    FieldSpec{unit_f::order, "order", V::text, "the customer's order number it was delivered on"},
    FieldSpec{unit_f::order_line, "order_line", V::integer, "that order's line", 0, 1, kMaxOrderLine},
};
constexpr std::array kCase{
    kDeleted,
    FieldSpec{case_f::number, "number", V::text, "C-, 8 hex digits of the node id, -, a counter", kMaxCodeBytes},
    FieldSpec{case_f::customer, "customer", V::text, ""},
    FieldSpec{case_f::site, "site", V::text, "", kMaxTextBytes},
    FieldSpec{case_f::unit, "unit", V::blob, "unit id"},
    FieldSpec{case_f::problem, "problem", V::text, "", kMaxTextBytes},
    FieldSpec{case_f::priority, "priority", V::integer, "Priority"},
};
constexpr std::array kVisit{
    kDeleted,
    FieldSpec{visit_f::service_case, "case", V::blob, "case id"},
    FieldSpec{visit_f::technician, "technician", V::text, ""},
    FieldSpec{visit_f::window_from, "window_from", V::integer, kMs},
    FieldSpec{visit_f::window_to, "window_to", V::integer, kMs},
    FieldSpec{visit_f::number, "number", V::text, "V-, 8 hex digits of the node id, -, a counter", kMaxCodeBytes},
    FieldSpec{visit_f::follow_up_of, "follow_up_of", V::blob, "id of the visit that could not complete"},
};
constexpr std::array kShipment{
    kDeleted,
    FieldSpec{shipment_f::number, "number", V::text, "S-...", kMaxCodeBytes},
    FieldSpec{shipment_f::customer, "customer", V::text, ""},
    FieldSpec{shipment_f::site, "site", V::text, "", kMaxTextBytes},
    FieldSpec{shipment_f::origin, "origin", V::blob, "location id"},
    FieldSpec{shipment_f::transit, "transit", V::blob, "location id of TRANSIT"},
    FieldSpec{shipment_f::driver, "driver", V::text, "the driver who delivers it"},
};
constexpr std::array kDoc{
    kDeleted,
    FieldSpec{doc_f::number, "number", V::text, "D-...", kMaxCodeBytes},
    FieldSpec{doc_f::kind, "kind", V::integer, "MoveKind"},
    FieldSpec{doc_f::reason, "reason", V::text, ""},
};
constexpr std::array kException{
    kDeleted,
    FieldSpec{exception_f::number, "number", V::text, "X- and the first 10 hex digits of its id", kMaxCodeBytes},
    FieldSpec{exception_f::kind, "kind", V::text, "negative_stock, serial_conflict, ... (docs/reconciliation.md)"},
    FieldSpec{exception_f::subjects, "subjects", V::text, "for people", kMaxTextBytes},
    FieldSpec{exception_f::detail, "detail", V::text, "", kMaxTextBytes},
    FieldSpec{exception_f::suggestion, "suggestion", V::text, "", kMaxTextBytes},
    FieldSpec{exception_f::status, "status", V::text, "open or resolved"},
    FieldSpec{exception_f::note, "note", V::text, "", kMaxTextBytes},
    FieldSpec{exception_f::evidence, "evidence", V::integer, "how many facts break the rule"},
    FieldSpec{exception_f::raised_at, "raised_at", V::integer, kMs},
    FieldSpec{exception_f::subject_ids, "subject_ids", V::blob, "the subjects' 16-byte ids, concatenated"},
};

constexpr std::array kPeriod{
    kDeleted,
    FieldSpec{period_f::branch, "branch", V::text, "empty: the whole company"},
    FieldSpec{period_f::closed_until, "closed_until", V::integer, "the first ms after the closed period, ms since the epoch, UTC"},
};

constexpr std::array kCustomer{
    kDeleted,
    FieldSpec{customer_f::code, "code", V::text, "as first added; its key is the code normalised (docs/data-model.md)"},
    FieldSpec{customer_f::name, "name", V::text, ""},
    FieldSpec{customer_f::contact, "contact", V::text, "a person"},
    FieldSpec{customer_f::phone, "phone", V::text, ""},
    FieldSpec{customer_f::email, "email", V::text, ""},
};
constexpr std::array kSite{
    kDeleted,
    FieldSpec{site_f::code, "code", V::text, "as first added, unique within its customer"},
    FieldSpec{site_f::customer, "customer", V::text, "the customer's code"},
    FieldSpec{site_f::address, "address", V::text, "", kMaxTextBytes},
};

constexpr std::array kStockRule{
    kDeleted,
    FieldSpec{stock_rule_f::item, "item", V::blob, "item id; absent: any item"},
    FieldSpec{stock_rule_f::location, "location", V::blob, "location id; absent: any"},
    FieldSpec{stock_rule_f::kind, "kind", V::integer, "LocationKind, on a rule for a kind of location", 0, 0, 9},
    FieldSpec{stock_rule_f::low_stock, "low_stock", V::integer, "milli-units; 0: none here; null: the item's", 0, 0,
              kMaxQtyMilli, true},
    FieldSpec{stock_rule_f::allow_negative, "allow_negative", V::flag, "null: the next rule decides", 0, INT64_MIN,
              INT64_MAX, true},
};

constexpr FieldSpec kItemRef{fact_f::item, "item", V::blob, "item id"};
constexpr FieldSpec kForced{fact_f::forced, "forced", V::flag, "recorded with --force"};
constexpr FieldSpec kUnitRef{fact_f::unit, "unit", V::blob, "unit id"};
constexpr FieldSpec kPerson{fact_f::person, "person", V::text, ""};
constexpr FieldSpec kText{fact_f::text, "text", V::text, "", kMaxTextBytes};
constexpr FieldSpec kCaseRef{fact_f::service_case, "case", V::blob, "case id"};
constexpr FieldSpec kQty{fact_f::qty, "qty", V::integer, "milli-units", 0, 1, kMaxQtyMilli};

constexpr std::array kMove{
    kAt,
    kItemRef,
    FieldSpec{fact_f::from, "from", V::blob, "location id"},
    FieldSpec{fact_f::to, "to", V::blob, "location id"},
    kQty,
    kUnitRef,
    kCaseRef,
    FieldSpec{fact_f::shipment, "shipment", V::blob, "shipment id"},
    FieldSpec{fact_f::move_kind, "move_kind", V::integer, "MoveKind"},
    kForced,
};
constexpr std::array kCount{
    kAt,
    kItemRef,
    FieldSpec{fact_f::to, "to", V::blob, "id of the location counted"},
    FieldSpec{fact_f::counted, "counted", V::integer, "milli-units", 0, 0, kMaxQtyMilli},
    FieldSpec{fact_f::units, "units", V::blob, "serial-tracked items: the 16-byte ids of the units found"},
    kForced,
};
constexpr std::array kCaseTransition{kAt, FieldSpec{fact_f::status, "status", V::integer, "CaseStatus entered"},
                                     kForced};
constexpr std::array kVisitTransition{kAt, FieldSpec{fact_f::status, "status", V::integer, "VisitStatus entered"},
                                      FieldSpec{fact_f::reason, "reason", V::text, "why it cannot complete"}, kForced};
constexpr std::array kActivity{kAt, kText};
constexpr FieldSpec kProof{fact_f::proof, "proof", V::text,
                           "a signature's or photo's hash (sha256:HEX names an attachment)", kMaxTextBytes};
constexpr std::array kSignoff{kAt, kPerson, kProof};
constexpr std::array kUnitEvent{
    kAt,
    FieldSpec{fact_f::text, "text", V::text, "installed"},
    kCaseRef,
    FieldSpec{fact_f::customer, "customer", V::text, ""},
    FieldSpec{fact_f::site, "site", V::text, "", kMaxTextBytes},
    FieldSpec{fact_f::parent, "parent", V::blob, "id of the unit it was installed into"},
};
constexpr std::array kShipmentLine{
    kItemRef, kQty, kUnitRef, FieldSpec{fact_f::order, "order", V::text, "the customer's order number"},
    FieldSpec{fact_f::order_line, "order_line", V::integer, "that order's line", 0, 1, kMaxOrderLine}};
constexpr std::array kTracking{
    kAt,
    FieldSpec{fact_f::status, "status", V::integer, "ShipmentStatus entered"},
    FieldSpec{fact_f::reason, "reason", V::text, ""},
    FieldSpec{fact_f::forced, "forced", V::flag, "recorded with --force"},
    kProof,
    FieldSpec{fact_f::place, "place", V::text, ""},
    FieldSpec{fact_f::person, "person", V::text, "recipient"},
};
constexpr std::array kAssignment{kAt, FieldSpec{fact_f::person, "person", V::text, "technician who holds the van from at"}};

constexpr std::array kTable{
    OpSpec{EntityType::item, FactKind::none, kItem},
    OpSpec{EntityType::location, FactKind::none, kLocation},
    OpSpec{EntityType::unit, FactKind::none, kUnit},
    OpSpec{EntityType::service_case, FactKind::none, kCase},
    OpSpec{EntityType::visit, FactKind::none, kVisit},
    OpSpec{EntityType::shipment, FactKind::none, kShipment},
    OpSpec{EntityType::stock_doc, FactKind::none, kDoc},
    OpSpec{EntityType::exception, FactKind::none, kException},
    OpSpec{EntityType::period, FactKind::none, kPeriod},
    OpSpec{EntityType::customer, FactKind::none, kCustomer},
    OpSpec{EntityType::site, FactKind::none, kSite},
    OpSpec{EntityType::stock_rule, FactKind::none, kStockRule},
    OpSpec{EntityType::stock_doc, FactKind::stock_move, kMove},
    OpSpec{EntityType::stock_doc, FactKind::stock_count, kCount},
    OpSpec{EntityType::service_case, FactKind::case_transition, kCaseTransition},
    OpSpec{EntityType::service_case, FactKind::activity, kActivity},
    OpSpec{EntityType::visit, FactKind::visit_transition, kVisitTransition},
    OpSpec{EntityType::service_case, FactKind::signoff, kSignoff},
    OpSpec{EntityType::unit, FactKind::unit_event, kUnitEvent},
    OpSpec{EntityType::shipment, FactKind::shipment_line, kShipmentLine},
    OpSpec{EntityType::shipment, FactKind::tracking, kTracking},
    OpSpec{EntityType::location, FactKind::assignment, kAssignment},
};

// fieldsync.v1's names, by number.
constexpr std::array<std::string_view, 13> kEntityNames{"ENTITY_TYPE_UNSPECIFIED", "ITEM", "LOCATION", "UNIT",
                                                        "CASE", "VISIT", "SHIPMENT", "STOCK_DOC", "CUSTOMER",
                                                        "SITE", "EXCEPTION", "PERIOD", "STOCK_RULE"};
constexpr std::array<std::string_view, 12> kFactNames{
    "FACT_KIND_UNSPECIFIED", "STOCK_MOVE", "CASE_TRANSITION", "VISIT_TRANSITION", "ACTIVITY", "PART_USED",
    "SIGNOFF", "TRACKING", "UNIT_EVENT", "SHIPMENT_LINE", "STOCK_COUNT", "ASSIGNMENT"};
constexpr std::array<std::string_view, 4> kKindNames{"integer", "text", "blob", "flag"};

std::string_view entityName(EntityType t) { return kEntityNames.at(static_cast<std::size_t>(t)); }
std::string_view factName(FactKind k) { return kFactNames.at(static_cast<std::size_t>(k)); }

// The kind of a value as the variant holds it; null has none.
std::optional<ValueKind> kindOf(const sync::Value& v) {
  if (std::holds_alternative<std::int64_t>(v)) return V::integer;
  if (std::holds_alternative<std::string>(v)) return V::text;
  if (std::holds_alternative<sync::Blob>(v)) return V::blob;
  if (std::holds_alternative<bool>(v)) return V::flag;
  return std::nullopt;
}

template <class E>
std::string enumLine(std::string_view title) {
  std::string out = "- `" + std::string(title) + "`:";
  for (int i = 0;; ++i) {
    const std::string_view n = name(static_cast<E>(i));
    if (n == "unknown") break;
    out += (i ? ", " : " ") + std::to_string(i) + " " + std::string(n);
  }
  return out + "\n";
}

}  // namespace

std::span<const OpSpec> fieldTable() { return kTable; }

namespace {
const OpSpec* specOf(const sync::Op& op) {
  const auto spec = std::find_if(kTable.begin(), kTable.end(), [&](const OpSpec& s) {
    return s.entity == op.entity_type && s.fact == op.fact;
  });
  return spec == kTable.end() ? nullptr : &*spec;
}
const FieldSpec* fieldOf(const OpSpec& spec, sync::FieldId id) {
  const auto field = std::find_if(spec.fields.begin(), spec.fields.end(), [&](const FieldSpec& s) { return s.id == id; });
  return field == spec.fields.end() ? nullptr : &*field;
}
}  // namespace

std::string opLabel(const sync::Op& op) {
  const auto type = static_cast<std::size_t>(op.entity_type);
  const auto fact = static_cast<std::size_t>(op.fact);
  const std::string entity(type < kEntityNames.size() ? kEntityNames[type] : "?");
  return op.isFact() ? std::string(fact < kFactNames.size() ? kFactNames[fact] : "?") + " on " + entity
                     : entity + " register";
}

sync::Status fitsFieldTable(const sync::Op& op) {
  // Named only when something is wrong: the node checks every op it makes.
  auto what = [&] { return opLabel(op); };
  const OpSpec* spec = specOf(op);
  if (!spec) return sync::fail(sync::Errc::internal, what() + " is not in the field table");
  for (const sync::Field& f : op.fields) {
    const FieldSpec* field = fieldOf(*spec, f.id);
    if (!field)
      return sync::fail(sync::Errc::internal, what() + ": field " + std::to_string(f.id) + " is not in the field table");
    auto named = [&] { return what() + ": field " + std::to_string(f.id) + " (" + std::string(field->name) + ")"; };
    if (field->nullable && std::holds_alternative<std::monostate>(f.value)) continue;
    if (kindOf(f.value) != field->kind)
      return sync::fail(sync::Errc::internal,
                        named() + " must be " + std::string(kKindNames[static_cast<std::size_t>(field->kind)]));
    if (const auto* n = std::get_if<std::int64_t>(&f.value); n && (*n < field->min || *n > field->max))
      return sync::fail(sync::Errc::internal, named() + " is " + std::to_string(*n) + ", outside " +
                                                  std::to_string(field->min) + " to " + std::to_string(field->max));
  }
  return {};
}

sync::Status checkPushedOp(const sync::Op& op) {
  const std::string at = "op " + std::to_string(op.id.seq) + ": ";
  if (auto ok = fitsFieldTable(op); !ok) return sync::fail(sync::Errc::invalid_input, at + ok.error().message);
  const OpSpec& spec = *specOf(op);  // it fits the table
  for (const sync::Field& f : op.fields)
    if (const auto* text = std::get_if<std::string>(&f.value)) {
      const FieldSpec& field = *fieldOf(spec, f.id);
      if (auto ok = fieldText(field.name, *text, field.limit); !ok)
        return sync::fail(sync::Errc::invalid_input, at + ok.error().message);
    }
  if (const std::size_t bytes = sync::encodeOp(op).size(); bytes > kMaxOpBytes)
    return sync::fail(sync::Errc::invalid_input, at + "is " + std::to_string(bytes) + " bytes, more than the limit of " +
                                                     std::to_string(kMaxOpBytes));
  return {};
}

std::string fieldTableMarkdown() {
  std::string out;
  for (const OpSpec& s : kTable) {
    out += "### ";
    out += s.fact == FactKind::none
               ? std::string(entityName(s.entity)) + " registers (EntityType " +
                     std::to_string(static_cast<int>(s.entity)) + ")"
               : std::string(factName(s.fact)) + " facts (FactKind " + std::to_string(static_cast<int>(s.fact)) +
                     ") on a " + std::string(entityName(s.entity));
    out += "\n\n| field | name | value | limit | meaning |\n|---:|---|---|---|---|\n";
    for (const FieldSpec& f : s.fields) {
      std::string limit;
      if (f.kind == V::text) limit = std::to_string(f.limit) + " bytes";
      if (f.kind == V::integer && f.min != INT64_MIN) limit = std::to_string(f.min) + " to " + std::to_string(f.max);
      out += "| " + std::to_string(f.id) + " | " + std::string(f.name) + " | " +
             std::string(kKindNames[static_cast<std::size_t>(f.kind)]) + (f.nullable ? " or null" : "") + " | " +
             limit + " | " +
             std::string(f.meaning) + " |\n";
    }
    out += "\n";
  }
  out += "### Numbers of the enumerations stored in fields\n\n";
  out += enumLine<LocationKind>("LocationKind");
  out += enumLine<MoveKind>("MoveKind");
  out += enumLine<CaseStatus>("CaseStatus");
  out += enumLine<ShipmentStatus>("ShipmentStatus");
  out += enumLine<Priority>("Priority");
  out += enumLine<VisitStatus>("VisitStatus");
  return out;
}

}  // namespace fieldsync::node
