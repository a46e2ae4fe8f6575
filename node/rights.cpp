// The rights of each role (docs/scopes.md, "Rights").
#include "node/rights.h"

#include <algorithm>

#include "node/internal/core.h"

namespace fieldsync::node {

bool rolePerson(std::string_view role) { return role == "technician" || role == "driver"; }

namespace {

// One op judged for one principal.
struct Judge {
  Node::Core& core;
  const Principal& who;
  const Op& op;
  const Attributes fields = fieldsOf(op);

  bool is(std::string_view role) const { return who.role == role; }
  Status no(const std::string& why) const { return sync::fail(Errc::refused, "a " + who.role + " " + why); }
  std::string code(EntityType type, const Id& id) const {
    if (!op.isFact() && op.entity == id && fields.count(2)) return textOf(fields, 2);  // field 2: code or number
    const std::string c = core.codeOf(type, id);
    return c.empty() ? id.hex() : c;
  }

  // A field of the op, else of the entity's register in the state.
  std::optional<Id> ref(EntityType type, const Id& id, FieldId f) const {
    if (auto mine = idOf(fields, f); mine && !op.isFact() && op.entity == id) return mine;
    return idOf(core.store->entity(type, id), f);
  }

  // Locations: their branch (as the state has it), and whose van.
  std::string branchOf(const Id& location) const {
    return textOf(core.store->entity(EntityType::location, location), location_f::branch);
  }
  bool ours(const std::string& branch) const { return branch.empty() || sameName(branch, who.branch); }
  bool inBranch(const std::optional<Id>& location) const { return !location || ours(branchOf(*location)); }
  Status branchOnly(std::initializer_list<std::optional<Id>> locations, std::string_view rule) const {
    for (const auto& l : locations)
      if (!inBranch(l)) return no(std::string(rule) + ": " + code(EntityType::location, *l) + " belongs to " + branchOf(*l));
    return {};
  }
  // A supervisor's location write: the location is its branch's (or
  // shared); a new one is made for its branch (or shared); an existing
  // one's branch, and the virtual locations every node makes, only an
  // administrator changes (a branch must not take or give away another's).
  Status locationWrite() const {
    if (auto ok = branchOnly({op.entity}, "works only within its branch"); !ok) return ok;
    if (std::any_of(kDefaultLocations.begin(), kDefaultLocations.end(),
                    [&](const DefaultLocation& d) { return op.entity == core.locationId(d.code); }))
      return no("may not change " + code(EntityType::location, op.entity) +
                ", a location every branch shares: only administrators do");
    if (op.isFact() || !fields.count(location_f::branch)) return {};
    const std::string to = textOf(fields, location_f::branch);
    if (core.store->entity(EntityType::location, op.entity).empty()) {
      if (ours(to)) return {};
      return no("works only within its branch: " + code(EntityType::location, op.entity) + " would belong to " + to);
    }
    if (sameName(to, branchOf(op.entity))) return {};
    return no("may not move " + code(EntityType::location, op.entity) +
              " to another branch or share it: only administrators do");
  }
  bool ownVan(const std::optional<Id>& location, std::int64_t at) const {
    if (!location) return false;
    const Attributes a = core.store->entity(EntityType::location, *location);
    return intOf(a, location_f::kind) == static_cast<std::int64_t>(LocationKind::van) && inBranch(location) &&
           !who.person.empty() && sameName(core.technicianAt(*location, at), who.person);
  }
  std::string vanHolder(const Id& location, std::int64_t at) const {
    const Attributes a = core.store->entity(EntityType::location, location);
    if (intOf(a, location_f::kind) != static_cast<std::int64_t>(LocationKind::van))
      return code(EntityType::location, location) + " is not a van";
    if (!inBranch(location)) return code(EntityType::location, location) + " belongs to " + branchOf(location);
    return code(EntityType::location, location) + " is held by " + core.technicianAt(location, at);
  }

  Status caseOnly(const std::optional<Id>& c) const {
    if (!c || ownsCase(core, who, *c)) return {};
    return no("works only on its own cases: " + code(EntityType::service_case, *c) + " is not assigned to " +
              who.person);
  }

  // Shipments: where from, and who drives.
  Status shipmentOnly(const std::optional<Id>& s) const {
    if (!s) return no("records only its own shipments");
    if (is("driver")) {
      const Attributes a = core.store->entity(EntityType::shipment, *s);
      if (a.empty() || sameName(textOf(a, shipment_f::driver), who.person)) return {};
      const std::string driver = textOf(a, shipment_f::driver);
      return no("records only its own shipments: " + code(EntityType::shipment, *s) +
                (driver.empty() ? " has no driver" : " is driven by " + driver));
    }
    return branchOnly({ref(EntityType::shipment, *s, shipment_f::origin)}, "ships only from its branch's locations");
  }

  // A driver's movement: what its shipment's tracking posts (dispatch,
  // delivery, return), between the shipment's origin, its transit and CUSTOMER.
  Status shipmentMove(const std::optional<Id>& from, const std::optional<Id>& to) const {
    const auto s = idOf(fields, fact_f::shipment);
    if (auto ok = shipmentOnly(s); !ok) return ok;
    const Attributes a = core.store->entity(EntityType::shipment, *s);
    const std::set<std::optional<Id>> ends{idOf(a, shipment_f::origin), idOf(a, shipment_f::transit),
                                           core.locationId("CUSTOMER")};
    const auto kind = static_cast<MoveKind>(intOf(fields, fact_f::move_kind));
    const bool tracking_kind = kind == MoveKind::shipment_out || kind == MoveKind::shipment_delivery ||
                               kind == MoveKind::shipment_return;
    if (a.empty() || (tracking_kind && ends.count(from) && ends.count(to))) return {};
    return no("moves stock only as its shipments' tracking does: from " + code(EntityType::shipment, *s) +
              "'s origin into transit, to the customer, or back");
  }

  // The virtual locations every node writes at init (node.cpp): anyone's.
  bool defaultLocation() const {
    return std::any_of(kDefaultLocations.begin(), kDefaultLocations.end(), [&](const DefaultLocation& d) {
      return op.entity == core.locationId(d.code) && fields.size() == 2 && textOf(fields, location_f::code) == d.code &&
             intOf(fields, location_f::kind, -1) == static_cast<std::int64_t>(d.kind);
    });
  }

  // Units: a technician's where it works (a new one, one it registered, one
  // in or last taken out of its van, one on its own case) and any it registers (what it
  // finds at a site: two registrations that differ are a
  // duplicate_registration, docs/reconciliation.md); a driver's on its
  // shipments; warehouses and supervisors receive and register them anywhere.
  Status unit() const {
    if (!is("technician") && !is("driver")) return {};
    if (core.store->entity(EntityType::unit, op.entity).empty()) return {};  // a new one
    const std::string label = core.unitLabel(op.entity, " ");
    if (is("driver")) {  // a line of one of its shipments carries it
      for (const auto& s : core.store->registerValues(EntityType::shipment, shipment_f::driver)) {
        const auto* driver = std::get_if<std::string>(&s.value);
        if (!driver || !sameName(*driver, who.person)) continue;
        for (const Op& line : core.store->facts(FactKind::shipment_line, s.entity))
          if (idOf(fieldsOf(line), fact_f::unit) == op.entity) return {};
      }
      return no("changes only the units of its shipments: " + label + " is on none of them");
    }
    if (auto c = idOf(fields, fact_f::service_case)) return caseOnly(c);
    if (!op.isFact() && flagOf(fields, unit_f::registered)) return {};
    if (core.store->writer(EntityType::unit, op.entity, unit_f::serial) == who.node) return {};  // it registered it
    const std::int64_t at = core.now();
    if (const std::vector<MoveRow> moves = core.store->movesOfUnit(op.entity); !moves.empty()) {
      const MoveRow& last = *std::max_element(moves.begin(), moves.end(), [](const MoveRow& x, const MoveRow& y) {
        return std::tie(x.at, x.hlc) < std::tie(y.at, y.hlc);
      });
      if (ownVan(last.to, at) || ownVan(last.from, at)) return {};
    }
    for (const Id& c : core.store->findEntities(EntityType::service_case, case_f::unit, idField(0, op.entity).value))
      if (ownsCase(core, who, c)) return {};
    return no("changes only the units it works on (in its van, on its cases): " + label + " is not");
  }

  Status stock() const {
    const auto from = idOf(fields, fact_f::from), to = idOf(fields, fact_f::to);
    const std::int64_t at = intOf(fields, fact_f::at);
    if (is("supervisor")) return branchOnly({from, to}, "works only within its branch");
    if (is("warehouse")) return branchOnly({from, to}, "works only at its branch's locations");
    if (is("driver")) return shipmentMove(from, to);
    // A technician: out of its own van, or into it from transit or from
    // outside our stock (a customer's return, a local purchase).
    if (op.fact == FactKind::stock_count) {
      if (ownVan(to, at)) return {};
      return no("counts only its own van: " + (to ? vanHolder(*to, at) : std::string("none")));
    }
    const auto from_kind = static_cast<LocationKind>(
        from ? intOf(core.store->entity(EntityType::location, *from), location_f::kind) : 0);
    const bool inbound = !from || !holdsStock(from_kind) || from_kind == LocationKind::transit;
    if (inbound ? !ownVan(to, at) : !ownVan(from, at)) {
      return no(inbound ? "receives stock only into its own van: " + (to ? vanHolder(*to, at) : std::string("none"))
                        : "moves stock only out of its own van: " + vanHolder(*from, at));
    }
    return caseOnly(idOf(fields, fact_f::service_case));
  }

  Status check() const {
    if (is("admin")) return {};
    const bool boss = is("supervisor");
    switch (op.entity_type) {
      case EntityType::item:
        if (boss) return {};
        return no("may not change the catalogue: only supervisors and administrators do");
      case EntityType::location:
        if (!op.isFact() && defaultLocation()) return {};
        if (boss) return locationWrite();
        return no("may not change locations or van assignments: only supervisors and administrators do");
      case EntityType::customer:
      case EntityType::site:
        if (boss) return {};
        return no("may not change customers or their sites: only supervisors and administrators do");
      case EntityType::stock_rule: {  // a supervisor's: at its branch's locations; for every location, admins'
        if (!boss) return no("may not set stock rules: only supervisors and administrators do");
        const auto location = ref(EntityType::stock_rule, op.entity, stock_rule_f::location);
        if (!location) return no("sets stock rules only at its branch's locations: for every location, only administrators do");
        return branchOnly({location}, "sets stock rules only at its branch's locations");
      }
      case EntityType::exception:
        if (boss) {  // about its branch: every location it names is its branch's (or shared)
          for (const Id& s : idsOf(core.store->entity(EntityType::exception, op.entity), exception_f::subject_ids))
            if (!core.store->entity(EntityType::location, s).empty())
              if (auto ok = branchOnly({s}, "resolves only its branch's exceptions"); !ok) return ok;
          return {};
        }
        return no("may not resolve exceptions: only supervisors and administrators do");
      case EntityType::period: {  // a supervisor closes its own branch; the company's, only administrators
        if (!boss) return no("may not close periods: only supervisors and administrators do");
        const std::string branch = textOf(op.isFact() ? Attributes{} : fields, period_f::branch);
        if (!branch.empty() && sameName(branch, who.branch)) return {};
        return no("closes only its own branch's periods" +
                  (branch.empty() ? std::string(": the whole company's, only administrators do") : ": not " + branch));
      }
      case EntityType::stock_doc:
        if (!op.isFact()) return {};  // a document's number and reason
        return stock();
      case EntityType::service_case:
        if (boss) return {};
        if (is("technician")) return caseOnly(op.entity);
        return no("may not change service cases");
      case EntityType::visit:
        if (boss) return {};
        if (is("technician")) {
          const auto c = ref(EntityType::visit, op.entity, visit_f::service_case);
          return caseOnly(c);
        }
        return no("may not schedule visits");
      case EntityType::unit:
        return unit();
      case EntityType::shipment:
        if (is("technician")) return no("may not change shipments");
        if (is("driver") && op.fact != FactKind::tracking) return no("records only the tracking of its shipments");
        return shipmentOnly(op.entity);
      default:
        if (boss) return {};
        return no("may not change " + std::string(op.isFact() ? "these facts" : "these records"));
    }
  }
};

}  // namespace

Status checkRights(Node::Core& core, const Principal& who, const Op& op) { return Judge{core, who, op}.check(); }

Rights::Rights(Node& state) : core_(*state.core_) {}

Status Rights::check(const Principal& who, const Op& op) {
  try {
    return checkRights(core_, who, op);
  } catch (const StoreError& e) {
    return e.error();
  }
}

}  // namespace fieldsync::node
