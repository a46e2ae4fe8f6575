// Items, locations and registered units (with the CSV import).
#include <algorithm>
#include <charconv>
#include <istream>
#include <map>
#include <set>

#include "node/catalogue.h"
#include "node/internal/core.h"
#include "node/internal/csv_reader.h"

namespace fieldsync::node {
namespace {

std::string norm(std::string_view code) { return sync::normaliseSerial(code); }

ItemView itemView(Node::Core&, const Id&, const Attributes& a) {
  return {textOf(a, item_f::code), textOf(a, item_f::name), flagOf(a, item_f::serial_tracked),
          intOf(a, item_f::warranty_days), intOf(a, item_f::low_stock)};
}

LocationView locationView(Node::Core& core, const Id& id, const Attributes& a) {
  return {textOf(a, location_f::code), textOf(a, location_f::name),
          static_cast<LocationKind>(intOf(a, location_f::kind)), core.technicianAt(id),
          flagOf(a, location_f::allow_negative), textOf(a, location_f::branch)};
}

}  // namespace

std::string_view name(Saved v) {
  switch (v) {
    case Saved::created: return "created";
    case Saved::updated: return "updated";
    case Saved::unchanged: return "unchanged";
  }
  return "unknown";
}

Catalogue::Catalogue(Node& node) : core_(*node.core_) {}

std::vector<Field> changedFields(const Attributes& old, std::vector<Field> wanted) {
  std::erase_if(wanted, [&](const Field& f) {
    auto it = old.find(f.id);
    return it != old.end() && it->second == f.value;
  });
  return wanted;
}

Saved saveFields(Node::Core& core, EntityType type, const Id& id, const Attributes& old, std::vector<Field> wanted,
                 bool adding) {
  const std::vector<Field> fields = changedFields(old, std::move(wanted));
  if (!fields.empty()) core.emit(type, id, FactKind::none, fields);
  return adding && old.empty() ? Saved::created : fields.empty() ? Saved::unchanged : Saved::updated;
}

std::string existsMessage(std::string_view what, const std::string& code, std::string_view verb) {
  return std::string(what) + " " + code + " exists with other fields; change them with '" + std::string(verb) + "'";
}

Result<Attributes> existingEntity(Node::Core& core, EntityType type, const Id& id, std::string_view what,
                                  const std::string& code) {
  Attributes a = core.store->entity(type, id);
  if (a.empty() || flagOf(a, sync::kDeletedField))
    return sync::fail(Errc::not_found, std::string(what) + ": '" + code + "' is not a known " + std::string(what));
  return a;
}

Result<ItemSaved> Catalogue::addItem(const ItemSpec& spec) {
  auto code_ok = fieldCode("CODE", spec.code, "an item needs a code");
  auto name_ok = fieldText("--name", spec.name, kMaxNameBytes);
  for (const auto* r : {&code_ok, &name_ok})
    if (!*r) return r->error();
  const std::string& code = *code_ok;
  if (spec.warranty_days < 0 || spec.warranty_days > kMaxWarrantyDays)
    return invalid("--warranty-days", "must be 0 to " + std::to_string(kMaxWarrantyDays));
  if (spec.low_stock < 0) return invalid("--low-stock", "must be 0 or more");
  return core_.command<ItemSaved>([&]() -> Result<ItemSaved> {
    const Id id = core_.itemId(code);
    const Attributes old = core_.store->entity(EntityType::item, id);
    if (!old.empty() && flagOf(old, item_f::serial_tracked) != spec.serial_tracked)
      return refused("item " + code + " exists and is " + (spec.serial_tracked ? "not " : "") +
                     "tracked by serial; tracking cannot change");
    const ItemView item{code, name_ok->empty() ? code : *name_ok, spec.serial_tracked, spec.warranty_days,
                        spec.low_stock};
    std::vector<Field> wanted{{item_f::code, code}, {item_f::name, item.name}, {item_f::serial_tracked, spec.serial_tracked},
                              {item_f::warranty_days, spec.warranty_days}, {item_f::low_stock, spec.low_stock}};
    // Adding a retired item again brings it back, with the fields given.
    const bool retired = flagOf(old, sync::kDeletedField);
    if (!old.empty() && !retired && !changedFields(old, wanted).empty())
      return refused(existsMessage("item", code, "item set"));
    if (retired) wanted.push_back({sync::kDeletedField, false});
    return ItemSaved{item, saveFields(core_, EntityType::item, id, old, std::move(wanted), true)};
  });
}

Result<ItemSaved> Catalogue::setItem(const ItemEdit& e) {
  const std::string code = norm(e.code);
  if (e.warranty_days && (*e.warranty_days < 0 || *e.warranty_days > kMaxWarrantyDays))
    return invalid("--warranty-days", "must be 0 to " + std::to_string(kMaxWarrantyDays));
  if (e.low_stock && *e.low_stock < 0) return invalid("--low-stock", "must be 0 or more");
  auto name = fieldText("--name", e.name.value_or(""), kMaxNameBytes, e.name ? "must not be empty" : "");
  if (!name) return name.error();
  if (!e.name && !e.warranty_days && !e.low_stock) return invalid("item set", "name a field to change");
  return core_.command<ItemSaved>([&]() -> Result<ItemSaved> {
    const Id id = core_.itemId(code);
    auto old = existingEntity(core_, EntityType::item, id, "item", code);
    if (!old) return old.error();
    std::vector<Field> wanted;
    if (e.name) wanted.push_back({item_f::name, *name});
    if (e.warranty_days) wanted.push_back({item_f::warranty_days, *e.warranty_days});
    if (e.low_stock) wanted.push_back({item_f::low_stock, *e.low_stock});
    const Saved result = saveFields(core_, EntityType::item, id, *old, std::move(wanted), false);
    return ItemSaved{itemView(core_, id, core_.store->entity(EntityType::item, id)), result};
  });
}

Result<LocationSaved> Catalogue::addLocation(const LocationSpec& spec) {
  const bool van = spec.kind == LocationKind::van;
  auto code_ok = fieldCode("CODE", spec.code, "a location needs a code");
  auto name_ok = fieldText("--name", spec.name, kMaxNameBytes);
  auto technician = fieldText("--technician", spec.technician, kMaxNameBytes,
                              van ? "a van needs the technician it is assigned to" : "");
  auto branch = fieldText("--branch", spec.branch, kMaxNameBytes);
  for (const auto* r : {&code_ok, &name_ok, &technician, &branch})
    if (!*r) return r->error();
  if (!van && !technician->empty()) return invalid("--technician", "only a van is assigned to a technician");
  const std::string& code = *code_ok;
  return core_.command<LocationSaved>([&]() -> Result<LocationSaved> {
    const Id id = core_.locationId(code);
    const Attributes old = core_.store->entity(EntityType::location, id);
    if (!old.empty() && intOf(old, location_f::kind) != static_cast<std::int64_t>(spec.kind))
      return refused("location " + code + " exists as a " +
                     std::string(name(static_cast<LocationKind>(intOf(old, location_f::kind)))) +
                     "; its kind cannot change");
    const LocationView location{code, name_ok->empty() ? code : *name_ok, spec.kind, *technician,
                                spec.allow_negative, *branch};
    std::vector<Field> wanted{{location_f::code, code}, {location_f::name, location.name},
                              {location_f::kind, static_cast<std::int64_t>(spec.kind)},
                              {location_f::technician, *technician}, {location_f::allow_negative, spec.allow_negative}};
    if (!branch->empty()) wanted.push_back({location_f::branch, *branch});
    const bool retired = flagOf(old, sync::kDeletedField);
    if (!old.empty() && !retired && !changedFields(old, wanted).empty())
      return refused(existsMessage("location", code, "location set"));
    if (retired) wanted.push_back({sync::kDeletedField, false});
    const Saved result = saveFields(core_, EntityType::location, id, old, std::move(wanted), true);
    // The technician it is added with holds it from the start (the register);
    // one it comes back with after retirement holds it from now on.
    if (van && retired && sync::normaliseSerial(core_.technicianAt(id)) != sync::normaliseSerial(*technician))
      core_.emit(EntityType::location, id, FactKind::assignment,
                 {{fact_f::at, core_.now()}, {fact_f::person, *technician}});
    return LocationSaved{location, result};
  });
}

Result<LocationSaved> Catalogue::setLocation(const LocationEdit& e) {
  const std::string code = norm(e.code);
  auto name = fieldText("--name", e.name.value_or(""), kMaxNameBytes, e.name ? "must not be empty" : "");
  auto technician = fieldText("--technician", e.technician.value_or(""), kMaxNameBytes,
                              e.technician ? "a van needs the technician it is assigned to" : "");
  auto branch = fieldText("--branch", e.branch.value_or(""), kMaxNameBytes);
  for (const auto* r : {&name, &technician, &branch})
    if (!*r) return r->error();
  if (!e.name && !e.technician && !e.allow_negative && !e.branch)
    return invalid("location set", "name a field to change");
  return core_.command<LocationSaved>([&]() -> Result<LocationSaved> {
    const Id id = core_.locationId(code);
    auto old = existingEntity(core_, EntityType::location, id, "location", code);
    if (!old) return old.error();
    if (e.technician && intOf(*old, location_f::kind) != static_cast<std::int64_t>(LocationKind::van))
      return invalid("--technician", code + " is not a van; only a van is assigned to a technician");
    std::vector<Field> wanted;
    if (e.name) wanted.push_back({location_f::name, *name});
    if (e.allow_negative) wanted.push_back({location_f::allow_negative, *e.allow_negative});
    if (e.branch) wanted.push_back({location_f::branch, *branch});  // empty: shared by every branch
    Saved result = saveFields(core_, EntityType::location, id, *old, std::move(wanted), false);
    // A van changing hands is a fact at its business time, not a register:
    // the checks ask who held the van when a part was taken (docs/reconciliation.md).
    // Recorded even when this device's view already shows that holder: another
    // device may have handed the van on meanwhile, offline.
    if (e.technician) {
      const auto at = core_.businessTime(e.at);
      if (!at) return at.error();
      core_.emit(EntityType::location, id, FactKind::assignment, {{fact_f::at, *at}, {fact_f::person, *technician}});
      result = Saved::updated;
    }
    return LocationSaved{locationView(core_, id, core_.store->entity(EntityType::location, id)), result};
  });
}

namespace {
Status retire(Node::Core& core, EntityType type, const Id& id, std::string_view what, const std::string& code) {
  auto r = core.command<bool>([&]() -> Result<bool> {
    auto old = existingEntity(core, type, id, what, code);
    if (!old) return old.error();
    core.emit(type, id, FactKind::none, {{sync::kDeletedField, true}});
    return true;
  });
  if (!r) return r.error();
  return {};
}
}  // namespace

Status Catalogue::retireItem(std::string_view code) {
  return retire(core_, EntityType::item, core_.itemId(code), "item", norm(code));
}

Status Catalogue::retireLocation(std::string_view code) {
  return retire(core_, EntityType::location, core_.locationId(code), "location", norm(code));
}

Result<std::vector<ItemView>> Catalogue::items() {
  return core_.query<std::vector<ItemView>>([&]() -> Result<std::vector<ItemView>> {
    return core_.liveRows(EntityType::item, itemView, &ItemView::code);
  });
}

Result<std::vector<LocationView>> Catalogue::locations() {
  return core_.query<std::vector<LocationView>>([&]() -> Result<std::vector<LocationView>> {
    return core_.liveRows(EntityType::location, locationView, &LocationView::code);
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
  if (!spec.order.empty()) f.insert(f.end(), {{unit_f::order, spec.order}, {unit_f::order_line, spec.order_line}});
  return f;
}

// A registration as stored: each text checked and normalised, named as
// `prefix` + its field ("--" on the command line, nothing in a CSV file).
Result<UnitSpec> cleanUnit(const UnitSpec& spec, std::string_view prefix) {
  const std::string p(prefix);
  UnitSpec out = spec;
  auto serial = fieldCode(prefix.empty() ? "serial" : "SERIAL", spec.serial, "must not be empty");
  auto build = fieldText(p + "build" + (prefix.empty() ? "_code" : ""), spec.build_code, kMaxNameBytes);
  auto customer = fieldText(p + "customer", spec.customer, kMaxNameBytes);
  auto site = fieldText(p + "site", spec.site, kMaxTextBytes);
  auto order = fieldText(p + "order", spec.order, kMaxNameBytes);
  for (const auto* r : {&serial, &build, &customer, &site, &order})
    if (!*r) return r->error();
  const std::string line_field = p + (prefix.empty() ? "order_line" : "line");
  if (order->empty() && spec.order_line) return invalid(p + "order", "an order line belongs to an order: give the order too");
  if (!order->empty() && (spec.order_line < 1 || spec.order_line > kMaxOrderLine))
    return invalid(line_field, "give the order's line, 1 to " + std::to_string(kMaxOrderLine));
  out.order = *order;
  out.serial = *serial;
  out.build_code = *build;
  out.customer = *customer;
  out.site = *site;
  return out;
}

}  // namespace

Result<UnitRegistered> Catalogue::registerUnit(const UnitSpec& given) {
  auto clean = cleanUnit(given, "--");
  if (!clean) return clean.error();
  const UnitSpec& spec = *clean;
  const std::string& serial = spec.serial;
  return core_.command<UnitRegistered>([&]() -> Result<UnitRegistered> {
    auto item = core_.item(spec.item);
    if (!item) return item.error();
    if (!item->serial_tracked) return invalid("item", "item " + item->code + " is not tracked by serial");
    auto party = core_.party(spec.customer, spec.site, "--");
    if (!party) return party.error();
    UnitSpec resolved = spec;
    resolved.customer = party->customer, resolved.site = party->site;
    const Id unit = sync::unitId(core_.company, item->id, serial);
    const Attributes old = core_.store->entity(EntityType::unit, unit);
    const std::vector<Field> fields = changedFields(old, unitFields(*item, serial, resolved));
    if (!fields.empty()) core_.emit(EntityType::unit, unit, FactKind::none, fields);
    return UnitRegistered{unit, item->code, serial,
                          old.empty() ? Saved::created : fields.empty() ? Saved::unchanged : Saved::updated};
  });
}

Result<UnitInstalled> Catalogue::installUnit(const InstallSpec& spec) {
  auto serial_ok = fieldCode("SERIAL", spec.serial, "must not be empty");
  auto customer = fieldText("--customer", spec.customer, kMaxNameBytes, "name the customer it is installed at");
  auto site = fieldText("--site", spec.site, kMaxTextBytes);
  for (const auto* r : {&serial_ok, &customer, &site})
    if (!*r) return r->error();
  const std::string& serial = *serial_ok;
  return core_.command<UnitInstalled>([&]() -> Result<UnitInstalled> {
    auto item = core_.item(spec.item);
    if (!item) return item.error();
    if (!item->serial_tracked) return invalid("item", "item " + item->code + " is not tracked by serial");
    auto party = core_.party(*customer, *site, "--");
    if (!party) return party.error();
    const Id unit = sync::unitId(core_.company, item->id, serial);
    std::vector<Field> reg{{unit_f::customer, party->customer}, {unit_f::site, party->site}};
    if (core_.store->entity(EntityType::unit, unit).empty()) {
      if (!spec.force)
        return sync::fail(Errc::not_found, "serial: " + serial + " is not a registered unit of " + item->code +
                                               " (register it with 'unit register', or use --force)");
      reg.insert(reg.end(), {idField(unit_f::item, item->id), {unit_f::serial, serial}, {unit_f::registered, true}});
    }
    const auto when = core_.businessTime(spec.at);
    if (!when) return when.error();
    const std::int64_t at = *when;
    // A unit in our stock is not at a customer: it is delivered or issued first.
    if (const auto place = core_.store->unitPlace(unit); place && !spec.force) {
      auto there = core_.locationById(place->location);
      if (there && holdsStock(there->kind) && place->at <= at)
        return refused("serial " + serial + " is in stock at " + there->code +
                       "; deliver or issue it to the customer first, or use --force to record it anyway");
    }
    std::vector<Field> event{{fact_f::at, at}, {fact_f::text, std::string("installed")},
                             {fact_f::customer, party->customer}, {fact_f::site, party->site}};
    if (!spec.parent_item.empty()) {
      auto parent_item = core_.item(spec.parent_item);
      if (!parent_item) return parent_item.error();
      const Id parent = sync::unitId(core_.company, parent_item->id, spec.parent_serial);
      // A unit cannot be inside itself, nor inside a part of itself (a
      // merge may have made a cycle already: the walk is bounded).
      std::optional<Id> up = parent;
      for (int depth = 0; up && depth < 64; ++depth, up = idOf(core_.store->entity(EntityType::unit, *up), unit_f::parent))
        if (*up == unit)
          return invalid("--parent-serial", norm(spec.parent_serial) + " is " +
                                                (up == parent ? "the unit itself" : "installed in " + serial));
      if (core_.store->entity(EntityType::unit, parent).empty())
        return sync::fail(Errc::not_found, "--parent-serial: " + norm(spec.parent_serial) + " is not a registered unit of " +
                                               parent_item->code);
      reg.push_back(idField(unit_f::parent, parent));
      event.push_back(idField(fact_f::parent, parent));
    }
    core_.emit(EntityType::unit, unit, FactKind::none, std::move(reg));
    core_.emit(EntityType::unit, unit, FactKind::unit_event, std::move(event));
    return UnitInstalled{unit, item->code, serial, party->customer, party->site, at};
  });
}

namespace {

// Warranty: from the earliest of installation and delivery, for the item's period.
void setWarranty(UnitView& v, const Store::UnitDates& d, std::int64_t days) {
  std::optional<std::int64_t> start = d.installed;
  if (d.delivered && (!start || *d.delivered < *start)) start = d.delivered;
  if (!start) return;
  v.warranty_start = *start;
  v.warranty_end = *start + days * 86'400'000;
}

UnitView unitView(Node::Core& core, const Id& id, const Attributes& a, const Attributes& item) {
  UnitView v;
  v.item = textOf(item, item_f::code);
  v.serial = textOf(a, unit_f::serial);
  v.build_code = textOf(a, unit_f::build_code);
  v.customer = textOf(a, unit_f::customer);
  v.site = textOf(a, unit_f::site);
  v.order = textOf(a, unit_f::order);
  v.order_line = intOf(a, unit_f::order_line);
  std::optional<Id> parent = idOf(a, unit_f::parent);
  // Where the latest installation by business time put it, whatever order
  // the installations were typed or synced in (facts are by business time).
  const std::vector<Op> events = core.store->facts(FactKind::unit_event, id);
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    const Attributes f = fieldsOf(*it);
    if (textOf(f, fact_f::text) != "installed") continue;
    if (f.contains(fact_f::customer)) v.customer = textOf(f, fact_f::customer);
    if (f.contains(fact_f::site)) v.site = textOf(f, fact_f::site);
    parent = idOf(f, fact_f::parent);
    break;
  }
  if (parent) v.parent = textOf(core.store->entity(EntityType::unit, *parent), unit_f::serial);
  std::optional<LocationKind> kind;
  const auto place = core.store->unitPlace(id);
  if (place) {
    v.location = core.codeOf(EntityType::location, place->location);
    kind = static_cast<LocationKind>(intOf(core.store->entity(EntityType::location, place->location), location_f::kind));
  }
  // The customer is the unit's while it is with them (at a customer's,
  // installed in a unit, under repair, or never stocked): a customer return
  // (RMA) to a stock location ends it; the history keeps who had it.
  if (kind && kind != LocationKind::customer && kind != LocationKind::consumed && kind != LocationKind::repair)
    v.customer.clear(), v.site.clear();
  const auto dates = core.store->unitDates(id);
  v.state = unitState(kind, dates.installed.has_value());
  if (kind == LocationKind::loss && place->by_count) v.state = UnitState::missing;
  setWarranty(v, dates, intOf(item, item_f::warranty_days));
  return v;
}

}  // namespace

Result<std::vector<UnitView>> Catalogue::unitsOf(std::string_view customer) {
  return core_.query<std::vector<UnitView>>([&]() -> Result<std::vector<UnitView>> {
    std::vector<UnitView> out;
    for (const auto& r : core_.store->registerValues(EntityType::unit, unit_f::customer)) {
      const auto* text = std::get_if<std::string>(&r.value);
      if (!text || !sameName(*text, customer)) continue;
      const Attributes a = core_.store->entity(EntityType::unit, r.entity);
      const auto item = idOf(a, unit_f::item);
      if (!item || flagOf(a, sync::kDeletedField)) continue;
      UnitView v = unitView(core_, r.entity, a, core_.store->entity(EntityType::item, *item));
      if (sameName(v.customer, customer)) out.push_back(std::move(v));
    }
    std::sort(out.begin(), out.end(), [](const UnitView& x, const UnitView& y) {
      return std::tie(x.item, x.serial) < std::tie(y.item, y.serial);
    });
    return out;
  });
}

Result<std::vector<UnitView>> Catalogue::units() {
  return core_.query<std::vector<UnitView>>([&]() -> Result<std::vector<UnitView>> {
    std::vector<UnitView> out;
    std::map<Id, Attributes> items;
    core_.forEachLive(EntityType::unit, [&](const Id& id, const Attributes& a) {
      const auto item_id = idOf(a, unit_f::item);
      if (!item_id) return;
      auto [it, fresh] = items.try_emplace(*item_id);
      if (fresh) it->second = core_.store->entity(EntityType::item, *item_id);
      out.push_back(unitView(core_, id, a, it->second));
    });
    std::sort(out.begin(), out.end(),
              [](const UnitView& x, const UnitView& y) { return std::tie(x.item, x.serial) < std::tie(y.item, y.serial); });
    return out;
  });
}

Result<UnitHistory> Catalogue::unitHistory(std::string_view item_code, std::string_view serial_text) {
  return core_.query<UnitHistory>([&]() -> Result<UnitHistory> {
    auto item = core_.item(item_code);
    if (!item) return item.error();
    const std::string serial = norm(serial_text);
    const Id unit = sync::unitId(core_.company, item->id, serial);
    const Attributes a = core_.store->entity(EntityType::unit, unit);
    if (a.empty())
      return sync::fail(Errc::not_found, "serial: " + serial + " is not a registered unit of " + item->code);
    UnitHistory h{unitView(core_, unit, a, core_.store->entity(EntityType::item, item->id)), false, {}};
    h.under_warranty = h.unit.warranty_end && core_.now() < *h.unit.warranty_end;
    for (const MoveRow& m : core_.unitTimeline(unit)) {
      const std::string doc = " (" + core_.codeOf(EntityType::stock_doc, m.doc) + ")" + (m.forced ? " forced" : "");
      const std::string from = core_.codeOf(EntityType::location, m.from);
      if (!m.absolute)
        h.events.push_back(
            {m.at, std::string(name(m.kind)), from + " -> " + core_.codeOf(EntityType::location, m.to) + doc, {}, {}});
      else
        h.events.push_back({m.at, "count", (m.from == m.to ? "found at " : "not found at ") + from + doc, {}, {}});
    }
    for (const Op& f : core_.store->facts(FactKind::unit_event, unit)) {
      const Attributes fa = fieldsOf(f);
      std::string detail = textOf(fa, fact_f::customer) + " / " + textOf(fa, fact_f::site);
      if (auto p = idOf(fa, fact_f::parent))
        detail += " into " + textOf(core_.store->entity(EntityType::unit, *p), unit_f::serial);
      h.events.push_back({intOf(fa, fact_f::at), textOf(fa, fact_f::text), detail, {}, {}});
    }
    for (const Id& c :
         core_.store->findEntities(EntityType::service_case, case_f::unit, sync::Blob{std::string(unit.view())})) {
      const Attributes ca = core_.store->entity(EntityType::service_case, c);
      const auto st = core_.store->status(EntityType::service_case, c);
      h.events.push_back({st ? st->last_at : 0, "case",
                          textOf(ca, case_f::number) + " " +
                              std::string(name(static_cast<CaseStatus>(st ? st->status : 0))) + ": " +
                              textOf(ca, case_f::problem), {}, {}});
    }
    std::stable_sort(h.events.begin(), h.events.end(),
                     [](const HistoryEntry& x, const HistoryEntry& y) { return x.at < y.at; });
    return h;
  });
}

// ---- CSV import ----------------------------------------------------------------

namespace {

constexpr std::string_view kColumns[] = {"item",     "serial",          "build_code", "customer",
                                         "site",     "manufactured_on", "order",      "order_line"};

// A header as people write it: "Item", " serial ", "Build Code", "build-code" are the columns.
std::string columnName(std::string_view h) {
  std::string out = sync::normaliseSerial(h);  // trimmed, upper-cased
  for (char& c : out) c = (c == ' ' || c == '-') ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The columns a header names, by name, or what is wrong with it.
Result<std::map<std::string, std::size_t>> columns(const std::vector<std::string>& header) {
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string h = columnName(header[i]);
    if (h.empty()) continue;  // an unnamed column (spreadsheets save trailing empty ones) is ignored
    if (std::find(std::begin(kColumns), std::end(kColumns), h) == std::end(kColumns))
      return invalid("csv header", "unknown column '" + header[i].substr(0, 40) + (header[i].size() > 40 ? "..." : "") +
                                       "' (known: item, serial, build_code, customer, site, manufactured_on, order, order_line)");
    if (!col.emplace(h, i).second) return invalid("csv header", "column '" + h + "' appears twice");
  }
  if (!col.contains("item") || !col.contains("serial")) return invalid("csv header", "needs the columns item and serial");
  return col;
}

}  // namespace

Result<ImportSummary> Catalogue::importUnits(std::istream& csv, const ImportOptions& options,
                                             const std::function<void(std::uint64_t)>& progress) {
  return core_.command<ImportSummary>([&]() -> Result<ImportSummary> {
    ImportSummary sum;
    std::optional<Result<std::map<std::string, std::size_t>>> col;  // from the header, the first record
    std::size_t width = 0;
    std::map<std::string, Result<ItemRef>> items;  // by code as written
    core_.store->importSeenReset();
    readCsv(csv, options.delimiter, [&](CsvRecord& r) {
      if (!col) {
        col = columns(r.fields);
        width = r.fields.size();
        return;
      }
      if (!*col) return;  // a bad header: nothing more is read
      const bool blank = r.fields.size() == 1 && r.fields[0].find_first_not_of(" \t") == std::string::npos;
      if (blank && !r.malformed && !r.unterminated) return;
      ++sum.read;
      if (progress && sum.read % 10'000 == 0) progress(sum.read);
      auto note = [&](const std::string& why) {
        if (sum.problems.size() < ImportSummary::kMaxProblems)
          sum.problems.push_back("line " + std::to_string(r.line) + ": " + why);
      };
      auto bad = [&](const std::string& why) {
        ++sum.invalid;
        note(why);
      };
      if (r.unterminated) return bad("a quoted field is not closed");
      if (r.malformed)
        return bad("a quote is misplaced: a field with quotes is quoted whole, and a quote inside it is doubled");
      if (r.fields.size() != width)
        return bad("expected " + std::to_string(width) + " fields, found " + std::to_string(r.fields.size()));
      auto get = [&](const char* name) {
        auto it = (*col)->find(name);
        return it == (*col)->end() ? std::string() : r.fields[it->second];
      };
      const std::string item_code = get("item");
      if (sync::normaliseSerial(item_code).empty()) return bad("item: is empty");
      auto found = items.find(item_code);
      if (found == items.end()) found = items.emplace(item_code, core_.item(item_code)).first;
      if (!found->second) return bad(found->second.error().message);
      const ItemRef& item = *found->second;
      if (!item.serial_tracked) return bad("item " + item.code + " is not tracked by serial");
      std::int64_t line = 0;
      if (const std::string text = sync::normaliseText(get("order_line")); !text.empty()) {
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), line);
        if (ec != std::errc() || end != text.data() + text.size())
          return bad("order_line: '" + text.substr(0, 40) + "' is not a line number");
      }
      auto clean = cleanUnit(
          {item_code, get("serial"), get("build_code"), get("customer"), get("site"), std::nullopt, get("order"), line}, "");
      if (!clean) return bad(clean.error().message);
      UnitSpec& spec = *clean;
      const std::string& serial = spec.serial;
      if (const std::string made = get("manufactured_on"); !made.empty()) {
        auto t = parseTime(made, "manufactured_on");
        if (!t) return bad(t.error().message);
        spec.manufactured_on = *t;
      }
      const Id unit = sync::unitId(core_.company, item.id, serial);
      if (core_.store->importSeen(unit)) {
        ++sum.duplicates;
        return note("duplicate of an earlier line: " + item.code + " " + serial);
      }
      auto party = core_.party(spec.customer, spec.site, "");
      if (!party) return bad(party.error().message);
      spec.customer = party->customer, spec.site = party->site;
      const Attributes old = core_.store->entity(EntityType::unit, unit);
      const std::vector<Field> fields = changedFields(old, unitFields(item, serial, spec));
      if (fields.empty()) {
        ++sum.unchanged;
        return;
      }
      core_.emit(EntityType::unit, unit, FactKind::none, fields);
      ++(old.empty() ? sum.created : sum.updated);
    });
    if (!col) return invalid("csv", "the file is empty; the first line must name the columns");
    if (!*col) return col->error();
    return sum;
  }, !options.dry_run);
}

}  // namespace fieldsync::node
