// The scope of each role (docs/scopes.md, "Scopes"): one table, kRules.
#include "node/scope.h"

#include <map>

#include "node/internal/core.h"

namespace fieldsync::node {
namespace {

// What one device holds, gathered from the merged state.
struct Gather {
  Node::Core& core;
  const Principal& who;
  std::set<ScopeKey> out;
  std::set<Id> ids;  // the same ids, for lookups
  std::set<Id> catalogue_ids, ledger_locations;  // what the catalogue brought; whose ledgers it holds

  void add(EntityType t, const Id& id) {
    out.insert({t, id});
    ids.insert(id);
  }
  void addAll(EntityType t) {
    for (const Id& id : core.store->entityIds(t)) add(t, id);
  }
  // The catalogue: every item and location (the registers, not the ledgers).
  void catalogue() {
    addAll(EntityType::item);
    addAll(EntityType::location);
    addAll(EntityType::period);  // every node checks the closes (node/periods.h)
    addAll(EntityType::customer);  // every command that names a customer resolves it (node/customers.h)
    addAll(EntityType::site);
    addAll(EntityType::stock_rule);  // every node checks the thresholds and negative-stock rules (node/stock.h)
    catalogue_ids = ids;
  }
  // Each stock document moving or counting stock at these locations, with its units.
  void ledgers(const std::vector<Id>& locations) {
    ledger_locations.insert(locations.begin(), locations.end());
    for (const Id& l : locations)
      for (const Id& item : core.store->itemsAt(l))
        for (const Id& doc : core.store->docsAt(item, l)) document(doc);
  }
  void document(const Id& doc) {
    if (out.count({EntityType::stock_doc, doc})) return;
    add(EntityType::stock_doc, doc);
    for (const MoveRow& m : core.store->movesOfDoc(doc))
      if (m.unit) add(EntityType::unit, *m.unit);
  }
  // A branch's own stock-holding locations and the shared ones (no branch);
  // not the virtual ones every document touches.
  std::vector<Id> branchLocations() {
    std::vector<Id> out_locs;
    core.forEachLive(EntityType::location, [&](const Id& id, const Attributes& a) {
      const auto kind = static_cast<LocationKind>(intOf(a, location_f::kind));
      const std::string branch = textOf(a, location_f::branch);
      if (holdsStock(kind) && kind != LocationKind::transit && (branch.empty() || sameName(branch, who.branch)))
        out_locs.push_back(id);
    });
    return out_locs;
  }
  // Transfers still in transit: any branch may receive them (arrive).
  void openTransit() {
    for (const Store::TransitLine& line : core.store->unbalancedTransit(std::nullopt)) document(line.doc);
  }
  void cases(const std::set<Id>& which) {
    for (const Id& c : which) {
      add(EntityType::service_case, c);
      if (auto unit = idOf(core.store->entity(EntityType::service_case, c), case_f::unit)) add(EntityType::unit, *unit);
      for (const MoveRow& m : core.store->movesOfCase(c)) document(m.doc);
    }
    for (const auto& v : core.store->registerValues(EntityType::visit, visit_f::service_case))
      if (auto c = idOf(v.value); c && which.count(*c)) add(EntityType::visit, v.entity);
  }
  std::set<Id> allCases() {
    std::set<Id> all;
    for (const Id& c : core.store->entityIds(EntityType::service_case)) all.insert(c);
    return all;
  }
  // Shipments whose origin is one of `locations`, or (a driver) whose driver is its person.
  void shipments(const std::vector<Id>& locations, bool driven) {
    const std::set<Id> from(locations.begin(), locations.end());
    std::vector<Id> which;
    const FieldId field = driven ? shipment_f::driver : shipment_f::origin;
    for (const auto& v : core.store->registerValues(EntityType::shipment, field)) {
      const auto* driver = std::get_if<std::string>(&v.value);
      const auto origin = idOf(v.value);
      if (driven ? driver && sameName(*driver, who.person) : origin && from.count(*origin)) which.push_back(v.entity);
    }
    for (const Id& s : which) {
      add(EntityType::shipment, s);
      for (const Op& line : core.store->facts(FactKind::shipment_line, s))
        if (auto unit = idOf(fieldsOf(line), fact_f::unit)) add(EntityType::unit, *unit);
      for (const Id& doc : core.store->docsOfShipment(s)) document(doc);
    }
  }
  // The document of each held unit's first delivery: a device that holds a
  // unit holds when its warranty began, not only its later movements (a
  // technician who takes a unit back, RMA, and fits it again must not see a
  // warranty restarted: docs/data-model.md, "Customer returns (RMA) and warranty").
  void warrantyStarts() {
    std::vector<Id> units;
    for (const auto& [type, id] : out)
      if (type == EntityType::unit) units.push_back(id);
    for (const Id& u : units) {
      std::optional<MoveRow> first;
      for (const MoveRow& m : core.store->movesOfUnit(u))
        if ((m.kind == MoveKind::shipment_delivery || m.kind == MoveKind::issue) &&
            (!first || std::tie(m.at, m.hlc) < std::tie(first->at, first->hlc)))
          first = m;
      if (first) add(EntityType::stock_doc, first->doc);
    }
  }
  // Exceptions about something it holds (beyond the catalogue: a location
  // whose ledger it holds, a case, a unit...), or about the device; or all.
  void exceptions(bool all) {
    for (const auto& v : core.store->registerValues(EntityType::exception, exception_f::subject_ids)) {
      bool mine = all;
      for (const Id& s : idsOf(v.value))
        mine = mine || s == who.node || ledger_locations.count(s) || (ids.count(s) && !catalogue_ids.count(s));
      if (mine) add(EntityType::exception, v.entity);
    }
  }
};

void supervisor(Gather& g) {
  g.catalogue();
  g.addAll(EntityType::unit);  // the installed base: every customer's history (customer show)
  const auto locations = g.branchLocations();
  g.ledgers(locations);
  g.openTransit();
  g.cases(g.allCases());
  g.shipments(locations, false);
  g.exceptions(true);
}

void warehouse(Gather& g) {
  g.catalogue();
  const auto locations = g.branchLocations();
  g.ledgers(locations);
  g.openTransit();
  g.shipments(locations, false);
  g.exceptions(false);
}

void technician(Gather& g) {
  g.catalogue();
  std::vector<Id> vans;
  g.core.forEachLive(EntityType::location, [&](const Id& id, const Attributes& a) {
    if (intOf(a, location_f::kind) == static_cast<std::int64_t>(LocationKind::van) &&
        sameName(g.core.technicianAt(id), g.who.person))
      vans.push_back(id);
  });
  g.ledgers(vans);
  g.openTransit();
  g.cases(casesOf(g.core, g.who));
  g.exceptions(false);
}

void driver(Gather& g) {
  g.catalogue();
  g.shipments({}, true);
  g.exceptions(false);
}

struct Rule {
  std::string_view role;
  void (*gather)(Gather&);  // null: everything
};
// The table of role to rule (docs/scopes.md, "Scopes").
constexpr Rule kRules[] = {
    {"admin", nullptr},
    {"supervisor", supervisor},
    {"warehouse", warehouse},
    {"technician", technician},
    {"driver", driver},
};

}  // namespace

// A case is the technician's of its latest visit (by window start, then
// id); one with no visit is the device's that opened it.
std::set<Id> casesOf(Node::Core& core, const Principal& who) {
  struct Latest {
    std::int64_t from = 0;
    Id visit;
    bool any = false;
  };
  std::map<Id, Id> case_of;  // visit -> case
  for (const auto& v : core.store->registerValues(EntityType::visit, visit_f::service_case))
    if (auto c = idOf(v.value)) case_of.emplace(v.entity, *c);
  std::map<Id, std::int64_t> from;
  for (const auto& v : core.store->registerValues(EntityType::visit, visit_f::window_from))
    if (const auto* n = std::get_if<std::int64_t>(&v.value)) from[v.entity] = *n;
  std::map<Id, std::string> technician;
  for (const auto& v : core.store->registerValues(EntityType::visit, visit_f::technician))
    if (const auto* t = std::get_if<std::string>(&v.value)) technician[v.entity] = *t;
  std::map<Id, Latest> latest;
  for (const auto& [visit, c] : case_of) {
    Latest& l = latest[c];
    const std::int64_t f = from.count(visit) ? from[visit] : 0;
    if (!l.any || std::tie(f, visit) > std::tie(l.from, l.visit)) l = {f, visit, true};
  }
  std::set<Id> out;
  for (const auto& [c, l] : latest)
    if (sameName(technician[l.visit], who.person)) out.insert(c);
  for (const auto& v : core.store->registerValues(EntityType::service_case, case_f::number))
    if (v.writer == who.node && !latest.count(v.entity)) out.insert(v.entity);
  return out;
}

bool ownsCase(Node::Core& core, const Principal& who, const Id& c) {
  if (core.store->entity(EntityType::service_case, c).empty()) return true;  // a new one
  std::optional<std::pair<std::int64_t, Id>> latest;
  std::string holder;
  for (const Id& v : core.store->findEntities(EntityType::visit, visit_f::service_case, idField(0, c).value)) {
    const Attributes a = core.store->entity(EntityType::visit, v);
    const std::pair<std::int64_t, Id> key{intOf(a, visit_f::window_from), v};
    if (!latest || key > *latest) {
      latest = key;
      holder = textOf(a, visit_f::technician);
    }
  }
  if (latest) return sameName(holder, who.person);
  return core.store->writer(EntityType::service_case, c, case_f::number) == who.node;
}

Scopes::Scopes(Node& merged) : core_(*merged.core_) {}

Result<Scope> Scopes::of(const Principal& who) {
  const auto rule = std::find_if(std::begin(kRules), std::end(kRules), [&](const Rule& r) { return r.role == who.role; });
  if (rule == std::end(kRules)) return sync::fail(Errc::invalid_input, "role '" + who.role + "' has no scope");
  if (!rule->gather) return Scope{true, {}};
  return core_.query<Scope>([&]() -> Result<Scope> {
    Gather g{core_, who, {}, {}, {}, {}};
    rule->gather(g);
    g.warrantyStarts();
    return Scope{false, std::move(g.out)};
  });
}

Result<bool> Scopes::known(const ScopeKey& entity) {
  return core_.query<bool>([&]() -> Result<bool> { return !core_.store->entity(entity.first, entity.second).empty(); });
}

Result<std::vector<Op>> Scopes::snapshot(std::span<const ScopeKey> entities) {
  return core_.query<std::vector<Op>>([&]() -> Result<std::vector<Op>> {
    std::vector<Op> out;
    for (const auto& [type, id] : entities) {
      std::vector<Op> ops = core_.store->entityOps(type, id);
      out.insert(out.end(), std::make_move_iterator(ops.begin()), std::make_move_iterator(ops.end()));
    }
    return out;
  });
}

}  // namespace fieldsync::node
