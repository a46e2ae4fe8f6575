// Items, locations and registered units (with the CSV import).
#include <algorithm>
#include <istream>
#include <map>
#include <set>

#include "node/internal/core.h"

namespace fieldsync::node {
namespace {

std::string norm(std::string_view code) { return sync::normaliseSerial(code); }

void sortedRowsBy(Table& t, std::size_t a, std::size_t b) {
  std::sort(t.rows.begin(), t.rows.end(), [&](const auto& x, const auto& y) {
    return std::pair(cellText(x[a]), cellText(x[b])) < std::pair(cellText(y[a]), cellText(y[b]));
  });
}

}  // namespace

Result<Table> Node::addItem(const ItemSpec& spec) {
  const std::string code = norm(spec.code);
  if (code.empty()) return invalid("item code", "must not be empty");
  if (spec.warranty_days < 0) return invalid("--warranty-days", "must be 0 or more");
  if (spec.low_stock < 0) return invalid("--low-stock", "must be 0 or more");
  return core_->command<Table>([&]() -> Result<Table> {
    const Id id = core_->itemId(code);
    const Attributes old = core_->store->entity(EntityType::item, id);
    if (!old.empty() && flagOf(old, item_f::serial_tracked) != spec.serial_tracked)
      return refused("item " + code + " exists and is " + (spec.serial_tracked ? "not " : "") +
                     "tracked by serial; tracking cannot change");
    const std::string name = spec.name.empty() ? code : spec.name;
    core_->emit(EntityType::item, id, FactKind::none,
                {{item_f::code, code}, {item_f::name, name}, {item_f::serial_tracked, spec.serial_tracked},
                 {item_f::warranty_days, spec.warranty_days}, {item_f::low_stock, spec.low_stock}});
    return Table{{"item", "name", "serial_tracked", "warranty_days", "low_stock", "result"},
                 {{code, name, spec.serial_tracked, spec.warranty_days, Qty{spec.low_stock},
                   std::string(old.empty() ? "created" : "updated")}}};
  });
}

Result<Table> Node::addLocation(const LocationSpec& spec) {
  const std::string code = norm(spec.code);
  if (code.empty()) return invalid("location code", "must not be empty");
  if (spec.kind == LocationKind::van && spec.technician.empty())
    return invalid("--technician", "a van needs the technician it is assigned to");
  return core_->command<Table>([&]() -> Result<Table> {
    const Id id = core_->locationId(code);
    const Attributes old = core_->store->entity(EntityType::location, id);
    if (!old.empty() && intOf(old, location_f::kind) != static_cast<std::int64_t>(spec.kind))
      return refused("location " + code + " exists as a " +
                     std::string(name(static_cast<LocationKind>(intOf(old, location_f::kind)))) +
                     "; its kind cannot change");
    const std::string display = spec.name.empty() ? code : spec.name;
    core_->emit(EntityType::location, id, FactKind::none,
                {{location_f::code, code}, {location_f::name, display},
                 {location_f::kind, static_cast<std::int64_t>(spec.kind)},
                 {location_f::technician, spec.technician}, {location_f::allow_negative, spec.allow_negative}});
    return Table{{"location", "name", "kind", "technician", "allow_negative", "result"},
                 {{code, display, std::string(name(spec.kind)), spec.technician, spec.allow_negative,
                   std::string(old.empty() ? "created" : "updated")}}};
  });
}

Result<Table> Node::items() {
  return core_->query<Table>([&]() -> Result<Table> {
    Table t{{"item", "name", "serial_tracked", "warranty_days", "low_stock"}, {}};
    for (const Id& id : core_->store->entityIds(EntityType::item)) {
      const Attributes a = core_->store->entity(EntityType::item, id);
      if (flagOf(a, sync::kDeletedField)) continue;
      t.rows.push_back({textOf(a, item_f::code), textOf(a, item_f::name), flagOf(a, item_f::serial_tracked),
                        intOf(a, item_f::warranty_days), Qty{intOf(a, item_f::low_stock)}});
    }
    sortedRowsBy(t, 0, 0);
    return t;
  });
}

Result<Table> Node::locations() {
  return core_->query<Table>([&]() -> Result<Table> {
    Table t{{"location", "name", "kind", "technician", "allow_negative"}, {}};
    for (const Id& id : core_->store->entityIds(EntityType::location)) {
      const Attributes a = core_->store->entity(EntityType::location, id);
      if (flagOf(a, sync::kDeletedField)) continue;
      t.rows.push_back({textOf(a, location_f::code), textOf(a, location_f::name),
                        std::string(name(static_cast<LocationKind>(intOf(a, location_f::kind)))),
                        textOf(a, location_f::technician), flagOf(a, location_f::allow_negative)});
    }
    sortedRowsBy(t, 0, 0);
    return t;
  });
}

// ---- units -------------------------------------------------------------------

namespace {

// The fields a registration of `spec` writes: item and serial always, the
// others when given.
std::vector<Field> unitFields(const ItemRef& item, const std::string& serial, const UnitSpec& spec) {
  std::vector<Field> f{idField(unit_f::item, item.id), {unit_f::serial, serial}, {unit_f::registered, true}};
  if (!spec.build_code.empty()) f.push_back({unit_f::build_code, spec.build_code});
  if (!spec.customer.empty()) f.push_back({unit_f::customer, spec.customer});
  if (!spec.site.empty()) f.push_back({unit_f::site, spec.site});
  if (spec.manufactured_on) f.push_back({unit_f::manufactured_on, *spec.manufactured_on});
  return f;
}

std::vector<Field> changed(const Attributes& old, std::vector<Field> wanted) {
  std::erase_if(wanted, [&](const Field& f) {
    auto it = old.find(f.id);
    return it != old.end() && it->second == f.value;
  });
  return wanted;
}

}  // namespace

Result<Table> Node::registerUnit(const UnitSpec& spec) {
  const std::string serial = norm(spec.serial);
  if (serial.empty()) return invalid("serial", "must not be empty");
  return core_->command<Table>([&]() -> Result<Table> {
    auto item = core_->item(spec.item);
    if (!item) return item.error();
    if (!item->serial_tracked) return invalid("item", "item " + item->code + " is not tracked by serial");
    const Id unit = sync::unitId(core_->company, item->id, serial);
    const Attributes old = core_->store->entity(EntityType::unit, unit);
    const std::vector<Field> fields = changed(old, unitFields(*item, serial, spec));
    if (!fields.empty()) core_->emit(EntityType::unit, unit, FactKind::none, fields);
    const char* result = old.empty() ? "created" : fields.empty() ? "unchanged" : "updated";
    return Table{{"unit", "item", "serial", "result"}, {{unit.hex(), item->code, serial, std::string(result)}}};
  });
}

Result<Table> Node::installUnit(const InstallSpec& spec) {
  if (norm(spec.customer).empty()) return invalid("--customer", "must not be empty");
  return core_->command<Table>([&]() -> Result<Table> {
    auto item = core_->item(spec.item);
    if (!item) return item.error();
    const std::string serial = norm(spec.serial);
    const Id unit = sync::unitId(core_->company, item->id, serial);
    if (core_->store->entity(EntityType::unit, unit).empty())
      return sync::fail(Errc::not_found, "serial: " + serial + " is not a registered unit of " + item->code +
                                             " (register it with 'unit register')");
    std::vector<Field> reg{{unit_f::customer, spec.customer}, {unit_f::site, spec.site}};
    std::vector<Field> event{{fact_f::at, core_->at(spec.at)}, {fact_f::text, std::string("installed")},
                             {fact_f::customer, spec.customer}, {fact_f::site, spec.site}};
    if (!spec.parent_item.empty()) {
      auto parent_item = core_->item(spec.parent_item);
      if (!parent_item) return parent_item.error();
      const Id parent = sync::unitId(core_->company, parent_item->id, spec.parent_serial);
      if (core_->store->entity(EntityType::unit, parent).empty())
        return sync::fail(Errc::not_found, "--parent: " + norm(spec.parent_serial) + " is not a registered unit of " +
                                               parent_item->code);
      reg.push_back(idField(unit_f::parent, parent));
      event.push_back(idField(fact_f::parent, parent));
    }
    core_->emit(EntityType::unit, unit, FactKind::none, std::move(reg));
    core_->emit(EntityType::unit, unit, FactKind::unit_event, std::move(event));
    return Table{{"unit", "item", "serial", "customer", "site", "installed"},
                 {{unit.hex(), item->code, serial, spec.customer, spec.site, Time{core_->at(spec.at)}}}};
  });
}

namespace {
// Warranty: from the earliest of installation and delivery, for the item's period.
std::pair<Cell, Cell> warranty(const Store::UnitDates& d, std::int64_t days) {
  std::optional<std::int64_t> start = d.installed;
  if (d.delivered && (!start || *d.delivered < *start)) start = d.delivered;
  if (!start) return {std::monostate{}, std::monostate{}};
  return {Time{*start}, Time{*start + days * 86'400'000}};
}
}  // namespace

Result<Table> Node::units() {
  return core_->query<Table>([&]() -> Result<Table> {
    Table t{{"item", "serial", "build_code", "customer", "site", "parent", "location", "state", "warranty_start",
             "warranty_end"},
            {}};
    std::map<Id, Attributes> items;
    for (const Id& id : core_->store->entityIds(EntityType::unit)) {
      const Attributes a = core_->store->entity(EntityType::unit, id);
      const auto item_id = idOf(a, unit_f::item);
      if (!item_id || flagOf(a, sync::kDeletedField)) continue;
      auto [it, fresh] = items.try_emplace(*item_id);
      if (fresh) it->second = core_->store->entity(EntityType::item, *item_id);
      const auto place = core_->store->unitPlace(id);
      const auto dates = core_->store->unitDates(id);
      std::optional<LocationKind> kind;
      std::string where;
      if (place) {
        where = core_->codeOf(EntityType::location, place->location);
        kind = static_cast<LocationKind>(intOf(core_->store->entity(EntityType::location, place->location),
                                               location_f::kind));
      }
      std::string parent;
      if (auto p = idOf(a, unit_f::parent)) {
        const Attributes pa = core_->store->entity(EntityType::unit, *p);
        parent = textOf(pa, unit_f::serial);
      }
      auto [start, end] = warranty(dates, intOf(it->second, item_f::warranty_days));
      t.rows.push_back({textOf(it->second, item_f::code), textOf(a, unit_f::serial), textOf(a, unit_f::build_code),
                        textOf(a, unit_f::customer), textOf(a, unit_f::site), parent, where,
                        std::string(name(unitState(kind, dates.installed.has_value()))), start, end});
    }
    sortedRowsBy(t, 0, 1);
    return t;
  });
}

Result<Table> Node::unitHistory(std::string_view item_code, std::string_view serial_text) {
  return core_->query<Table>([&]() -> Result<Table> {
    auto item = core_->item(item_code);
    if (!item) return item.error();
    const std::string serial = norm(serial_text);
    const Id unit = sync::unitId(core_->company, item->id, serial);
    const Attributes a = core_->store->entity(EntityType::unit, unit);
    if (a.empty())
      return sync::fail(Errc::not_found, "serial: " + serial + " is not a registered unit of " + item->code);
    Table t{{"at", "event", "detail"}, {}};
    for (const MoveRow& m : core_->store->movesOfUnit(unit))
      t.rows.push_back({Time{m.at}, std::string(name(m.kind)),
                        core_->codeOf(EntityType::location, m.from) + " -> " +
                            core_->codeOf(EntityType::location, m.to) + " (" +
                            core_->codeOf(EntityType::stock_doc, m.doc) + ")" + (m.forced ? " forced" : "")});
    for (const Op& f : core_->store->facts(FactKind::unit_event, unit)) {
      const Attributes fa = fieldsOf(f);
      std::string detail = textOf(fa, fact_f::customer) + " / " + textOf(fa, fact_f::site);
      if (auto p = idOf(fa, fact_f::parent)) detail += " into " + textOf(core_->store->entity(EntityType::unit, *p), unit_f::serial);
      t.rows.push_back({Time{intOf(fa, fact_f::at)}, textOf(fa, fact_f::text), detail});
    }
    for (const Id& c : core_->store->findEntities(EntityType::service_case, case_f::unit, sync::Blob{std::string(unit.view())})) {
      const Attributes ca = core_->store->entity(EntityType::service_case, c);
      const auto st = core_->store->status(EntityType::service_case, c);
      t.rows.push_back({Time{st ? st->last_at : 0}, std::string("case"),
                        textOf(ca, case_f::number) + " " +
                            std::string(name(static_cast<CaseStatus>(st ? st->status : 0))) + ": " +
                            textOf(ca, case_f::problem)});
    }
    std::stable_sort(t.rows.begin(), t.rows.end(),
                     [](const auto& x, const auto& y) { return std::get<Time>(x[0]).ms < std::get<Time>(y[0]).ms; });
    auto [start, end] = warranty(core_->store->unitDates(unit), item->warranty_days);
    std::string cover = "no warranty start yet (not delivered or installed)";
    if (const Time* e = std::get_if<Time>(&end))
      cover = std::string(core_->now() < e->ms ? "under warranty" : "out of warranty") + " until " + formatTime(e->ms);
    t.rows.insert(t.rows.begin(), {std::monostate{}, std::string("unit"),
                                   item->code + " " + serial + ", build " + textOf(a, unit_f::build_code) + ", " +
                                       cover});
    return t;
  });
}

// ---- CSV import ----------------------------------------------------------------

namespace {

// One CSV record (RFC 4180 quoting, no line breaks inside fields).
Result<std::vector<std::string>> splitCsv(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"' && out.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  if (quoted) return sync::fail(Errc::invalid_input, "a quoted field is not closed");
  return out;
}

constexpr std::string_view kColumns[] = {"item", "serial", "build_code", "customer", "site", "manufactured_on"};

}  // namespace

Result<ImportSummary> Node::importUnits(std::istream& csv, bool dry_run,
                                        const std::function<void(std::uint64_t)>& progress) {
  std::string line;
  if (!std::getline(csv, line)) return invalid("csv", "the file is empty; the first line must name the columns");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  auto header = splitCsv(line);
  if (!header) return invalid("csv header", header.error().message);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header->size(); ++i) {
    const std::string h = (*header)[i];
    if (std::find(std::begin(kColumns), std::end(kColumns), h) == std::end(kColumns))
      return invalid("csv header", "unknown column '" + h +
                                       "' (known: item, serial, build_code, customer, site, manufactured_on)");
    if (!col.emplace(h, i).second) return invalid("csv header", "column '" + h + "' appears twice");
  }
  if (!col.contains("item") || !col.contains("serial"))
    return invalid("csv header", "needs the columns item and serial");

  return core_->command<ImportSummary>([&]() -> Result<ImportSummary> {
    ImportSummary sum;
    std::map<std::string, Result<ItemRef>> items;  // by code as written
    core_->store->importSeenReset();
    std::uint64_t line_no = 1;
    auto get = [&](const std::vector<std::string>& row, const char* name) {
      auto it = col.find(name);
      return it == col.end() ? std::string() : row[it->second];
    };
    while (std::getline(csv, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      ++sum.read;
      if (progress && sum.read % 10'000 == 0) progress(sum.read);
      auto note = [&](const std::string& why) {
        if (sum.problems.size() < ImportSummary::kMaxProblems)
          sum.problems.push_back("line " + std::to_string(line_no) + ": " + why);
      };
      auto bad = [&](const std::string& why) {
        ++sum.invalid;
        note(why);
      };
      auto row = splitCsv(line);
      if (!row) { bad(row.error().message); continue; }
      if (row->size() != header->size()) {
        bad("expected " + std::to_string(header->size()) + " fields, found " + std::to_string(row->size()));
        continue;
      }
      const std::string item_code = get(*row, "item");
      auto found = items.find(item_code);
      if (found == items.end()) found = items.emplace(item_code, core_->item(item_code)).first;
      if (!found->second) { bad(found->second.error().message); continue; }
      const ItemRef& item = *found->second;
      if (!item.serial_tracked) { bad("item " + item.code + " is not tracked by serial"); continue; }
      UnitSpec spec{item_code, get(*row, "serial"), get(*row, "build_code"), get(*row, "customer"),
                    get(*row, "site"), std::nullopt};
      const std::string serial = norm(spec.serial);
      if (serial.empty()) { bad("serial is empty"); continue; }
      if (const std::string made = get(*row, "manufactured_on"); !made.empty()) {
        auto t = parseTime(made, "manufactured_on");
        if (!t) { bad(t.error().message); continue; }
        spec.manufactured_on = *t;
      }
      const Id unit = sync::unitId(core_->company, item.id, serial);
      if (core_->store->importSeen(unit)) {
        ++sum.duplicates;
        note("duplicate of an earlier line: " + item.code + " " + serial);
        continue;
      }
      const Attributes old = core_->store->entity(EntityType::unit, unit);
      const std::vector<Field> fields = changed(old, unitFields(item, serial, spec));
      if (fields.empty()) {
        ++sum.unchanged;
        continue;
      }
      core_->emit(EntityType::unit, unit, FactKind::none, fields);
      ++(old.empty() ? sum.created : sum.updated);
    }
    return sum;
  }, !dry_run);
}

}  // namespace fieldsync::node
