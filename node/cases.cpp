// Service cases: open, visits, status transitions, work log, parts, sign-off.
#include <algorithm>

#include "node/cases.h"

#include "node/attachments.h"
#include "node/internal/core.h"

namespace fieldsync::node {
namespace {

CaseStatus currentStatus(Store& store, const Id& id) {
  const auto st = store.status(EntityType::service_case, id);
  return static_cast<CaseStatus>(st ? st->status : 0);
}

// The status a case was in at business time `at`, by the facts this node has.
CaseStatus statusAt(Node::Core& core, const Id& id, std::int64_t at) {
  std::vector<Transition> events = core.transitions(FactKind::case_transition, id);
  std::erase_if(events, [at](const Transition& t) { return t.at > at; });
  return static_cast<CaseStatus>(foldCase(std::move(events)).status);
}

// Records a transition if it fits the merged history, or, forced, anyway.
sync::Status transition(Node::Core& core, const EntityRef& c, CaseStatus to, std::int64_t at, bool force) {
  if (!force)
    if (auto ok = core.checkTransition(c, "case", to, at); !ok) return ok;
  std::vector<Field> f{{fact_f::at, at}, {fact_f::status, static_cast<std::int64_t>(to)}};
  if (force) f.push_back({fact_f::forced, true});
  core.emit(EntityType::service_case, c.id, FactKind::case_transition, std::move(f));
  return {};
}

std::string unitLabel(Node::Core& core, const Attributes& case_attrs) {
  const auto unit = idOf(case_attrs, case_f::unit);
  return unit ? core.unitLabel(*unit, "/") : std::string();
}

}  // namespace

Cases::Cases(Node& node) : core_(*node.core_) {}

Result<CaseOpened> Cases::open(const CaseSpec& spec) {
  auto problem = fieldText("--problem", spec.problem, kMaxTextBytes, "describe the problem");
  auto given_customer = fieldText("--customer", spec.customer, kMaxNameBytes);
  auto given_site = fieldText("--site", spec.site, kMaxTextBytes);
  for (const auto* r : {&problem, &given_customer, &given_site})
    if (!*r) return r->error();
  return core_.command<CaseOpened>([&]() -> Result<CaseOpened> {
    std::string customer = *given_customer, site = *given_site;
    std::vector<Field> f;
    if (!spec.unit_item.empty() || !spec.unit_serial.empty()) {
      auto item = core_.item(spec.unit_item);
      if (!item) return item.error();
      const Id unit = sync::unitId(core_.company, item->id, spec.unit_serial);
      const Attributes u = core_.store->entity(EntityType::unit, unit);
      if (u.empty())
        return sync::fail(Errc::not_found, "--unit: " + sync::normaliseSerial(spec.unit_serial) +
                                               " is not a registered unit of " + item->code);
      // The case is the customer's whose unit it is: another customer named is refused.
      const std::string owner = textOf(u, unit_f::customer);
      if (!customer.empty() && !owner.empty() && !sameName(customer, owner))
        return invalid("--customer", "unit " + item->code + " " + sync::normaliseSerial(spec.unit_serial) + " is " +
                                         owner + "'s; open the case for " + owner + " (or without --customer)");
      if (customer.empty()) customer = owner;
      if (site.empty() && sameName(customer, owner)) site = textOf(u, unit_f::site);
      f.push_back(idField(case_f::unit, unit));
    }
    if (customer.empty()) return invalid("--customer", "name the customer (or give --item and --serial of a unit installed at one)");
    auto party = core_.party(customer, site, "--");
    if (!party) return party.error();
    customer = party->customer, site = party->site;
    const Id id = core_.new_id();
    const std::string number = core_.nextNumber("C");
    f.insert(f.end(), {{case_f::number, number}, {case_f::customer, customer}, {case_f::site, site},
                       {case_f::problem, *problem}, {case_f::priority, static_cast<std::int64_t>(spec.priority)}});
    core_.emit(EntityType::service_case, id, FactKind::none, std::move(f));
    const auto at = core_.businessTime(spec.at);
    if (!at) return at.error();
    core_.emit(EntityType::service_case, id, FactKind::case_transition,
                {{fact_f::at, *at}, {fact_f::status, static_cast<std::int64_t>(CaseStatus::open)}});
    return CaseOpened{id, number, customer, CaseStatus::open, *at};
  });
}

Result<VisitScheduled> Cases::schedule(std::string_view ref, std::string_view technician, std::int64_t from,
                                      std::int64_t to, std::optional<std::int64_t> at) {
  auto who = fieldText("--technician", technician, kMaxNameBytes, "name the technician");
  if (!who) return who.error();
  if (to <= from) return invalid("--to", "the visit window must end after it starts");
  return core_.command<VisitScheduled>([&]() -> Result<VisitScheduled> {
    auto c = core_.findNumbered(EntityType::service_case, case_f::number, ref, "case");
    if (!c) return c.error();
    const auto when = core_.businessTime(at);
    if (!when) return when.error();
    const CaseStatus then = statusAt(core_, c->id, *when);
    if (then == CaseStatus::cancelled || then == CaseStatus::closed)
      return refused("case " + c->number + " was " + std::string(name(then)) + " on " + formatTime(*when) +
                     ": reopen it before scheduling a visit");
    // The case becomes scheduled when it was scheduled, if that fits its
    // history; before the visit, which may hand the case to another
    // technician (docs/scopes.md: this device's rights end there).
    if (core_.checkTransition(*c, "case", CaseStatus::scheduled, *when))
      if (auto ok = transition(core_, *c, CaseStatus::scheduled, *when, false); !ok) return ok.error();
    const auto [visit, number] = core_.newVisit(c->id, *who, from, to, std::nullopt);
    return VisitScheduled{c->number, visit, number, *who, from, to, currentStatus(*core_.store, c->id)};
  });
}

Result<CaseTransitioned> Cases::setStatus(std::string_view ref, CaseStatus to, std::optional<std::int64_t> at,
                                          bool force) {
  return core_.command<CaseTransitioned>([&]() -> Result<CaseTransitioned> {
    auto c = core_.findNumbered(EntityType::service_case, case_f::number, ref, "case");
    if (!c) return c.error();
    const auto when = core_.businessTime(at);
    if (!when) return when.error();
    const CaseStatus from = currentStatus(*core_.store, c->id);
    if (auto ok = transition(core_, *c, to, *when, force); !ok) return ok.error();
    const auto st = core_.store->status(EntityType::service_case, c->id);
    return CaseTransitioned{c->number, from, to, st ? st->counted : 0, *when};
  });
}

Result<CaseNote> Cases::log(std::string_view ref, std::string_view text, std::optional<std::int64_t> at) {
  auto what = fieldText("TEXT", text, kMaxTextBytes, "an activity needs a description");
  if (!what) return what.error();
  return core_.command<CaseNote>([&]() -> Result<CaseNote> {
    auto c = core_.findNumbered(EntityType::service_case, case_f::number, ref, "case");
    if (!c) return c.error();
    const auto when = core_.businessTime(at);
    if (!when) return when.error();
    core_.emit(EntityType::service_case, c->id, FactKind::activity,
               {{fact_f::at, *when}, {fact_f::text, *what}});
    return CaseNote{c->number, *what, {}, *when};
  });
}

Result<MovePosted> Cases::usePart(std::string_view ref, const MoveSpec& spec) {
  return core_.command<MovePosted>([&]() -> Result<MovePosted> {
    auto c = core_.findNumbered(EntityType::service_case, case_f::number, ref, "case");
    if (!c) return c.error();
    const auto when = core_.businessTime(spec.at);
    if (!when) return when.error();
    const std::int64_t at = *when;
    const CaseStatus then = statusAt(core_, c->id, at);
    if (!spec.force && (then == CaseStatus::closed || then == CaseStatus::cancelled))
      return refused("case " + c->number + " was " + std::string(name(then)) + " on " + formatTime(at) +
                     ": no parts can be used on it then; use --force to record it anyway");
    auto item = core_.item(spec.item);
    if (!item) return item.error();
    if (spec.from.empty()) return invalid("--from", "name the van the part comes from");
    auto van = core_.location(spec.from);
    if (!van) return van.error();
    if (van->kind != LocationKind::van && !(spec.force && holdsStock(van->kind)))
      return refused("--from: " + van->code + " is a " + std::string(name(van->kind)) +
                     "; parts are used from a van (use --force for a part taken straight from stock there)");
    auto consumed = core_.location("CONSUMED");
    if (!consumed) return consumed.error();
    auto lines = core_.lines(*item, spec.qty, spec.serials, spec.force);  // forced: an unknown serial is registered
    if (!lines) return lines.error();
    auto posted = core_.postMoves(MoveKind::consumption, *van, *consumed, *lines, at,
                                   {{}, c->id, {}, {}, spec.force});
    if (!posted) return posted;
    // A serial part used on a case's device is installed into it.
    if (const auto device = idOf(c->attrs, case_f::unit)) {
      for (const MoveLine& l : *lines) {
        if (!l.unit) continue;
        core_.emit(EntityType::unit, *l.unit, FactKind::none, {idField(unit_f::parent, *device)});
        core_.emit(EntityType::unit, *l.unit, FactKind::unit_event,
                    {{fact_f::at, at}, {fact_f::text, std::string("installed")}, idField(fact_f::parent, *device),
                     idField(fact_f::service_case, c->id)});
      }
    }
    return posted;
  });
}

Result<CaseNote> Cases::signOff(std::string_view ref, std::string_view signer, std::optional<std::int64_t> at,
                                std::string_view signature) {
  auto who = fieldText("--name", signer, kMaxNameBytes, "the customer's name is needed for a sign-off");
  if (!who) return who.error();
  if (!signature.empty())
    if (auto type = attachmentType("--signature", signature); !type) return type.error();
  return core_.command<CaseNote>([&]() -> Result<CaseNote> {
    auto c = core_.findNumbered(EntityType::service_case, case_f::number, ref, "case");
    if (!c) return c.error();
    const auto when = core_.businessTime(at);
    if (!when) return when.error();
    std::vector<Field> f{{fact_f::at, *when}, {fact_f::person, *who}};
    std::string proof;
    if (!signature.empty()) {
      auto attached = core_.attach("--signature", signature);
      if (!attached) return attached.error();
      proof = *attached;
      f.push_back({fact_f::proof, proof});
    }
    core_.emit(EntityType::service_case, c->id, FactKind::signoff, std::move(f));
    return CaseNote{c->number, *who, proof, *when};
  });
}


namespace {
CaseRow caseRow(Node::Core& core, const Id& id, const Attributes& a) {
  const auto st = core.store->status(EntityType::service_case, id);
  return {textOf(a, case_f::number),
          textOf(a, case_f::customer),
          textOf(a, case_f::site),
          unitLabel(core, a),
          static_cast<Priority>(intOf(a, case_f::priority)),
          static_cast<CaseStatus>(st ? st->status : 0),
          st ? st->counted : 0,
          st ? st->anomalies : 0,
          textOf(a, case_f::problem)};
}
}  // namespace

Result<CaseRow> Cases::edit(std::string_view ref, const CaseEdit& e) {
  std::optional<std::string> problem;
  if (e.problem) {
    auto p = fieldText("--problem", *e.problem, kMaxTextBytes, "describe the problem");
    if (!p) return p.error();
    problem = *p;
  }
  if (!e.priority && !e.problem) return invalid("case edit", "name a field to change");
  return core_.command<CaseRow>([&]() -> Result<CaseRow> {
    auto c = core_.findNumbered(EntityType::service_case, case_f::number, ref, "case");
    if (!c) return c.error();
    std::vector<Field> f;
    if (e.priority && intOf(c->attrs, case_f::priority) != static_cast<std::int64_t>(*e.priority))
      f.push_back({case_f::priority, static_cast<std::int64_t>(*e.priority)});
    if (problem && textOf(c->attrs, case_f::problem) != *problem) f.push_back({case_f::problem, *problem});
    if (!f.empty()) core_.emit(EntityType::service_case, c->id, FactKind::none, std::move(f));
    return caseRow(core_, c->id, core_.store->entity(EntityType::service_case, c->id));
  });
}

Result<CaseView> Cases::show(std::string_view ref) {
  return core_.query<CaseView>([&]() -> Result<CaseView> {
    auto c = core_.findNumbered(EntityType::service_case, case_f::number, ref, "case");
    if (!c) return c.error();
    Store& s = *core_.store;
    CaseView v{caseRow(core_, c->id, c->attrs), {}};
    auto& h = v.history;
    for (const Op& f : s.facts(FactKind::case_transition, c->id)) {
      const Attributes a = fieldsOf(f);
      h.push_back({intOf(a, fact_f::at), "status", std::string(name(static_cast<CaseStatus>(intOf(a, fact_f::status)))), {}, {}});
    }
    for (const Op& f : s.facts(FactKind::activity, c->id)) {
      const Attributes a = fieldsOf(f);
      h.push_back({intOf(a, fact_f::at), "activity", textOf(a, fact_f::text), {}, {}});
    }
    for (const Op& f : s.facts(FactKind::signoff, c->id)) {
      const Attributes a = fieldsOf(f);
      const std::string proof = textOf(a, fact_f::proof);
      h.push_back({intOf(a, fact_f::at), "signoff",
                   textOf(a, fact_f::person) + (proof.empty() ? "" : " (signature " + proof + ")"),
                   textOf(a, fact_f::person), std::nullopt});
    }
    for (const MoveRow& m : s.movesOfCase(c->id)) {
      std::string detail = core_.codeOf(EntityType::item, m.item) + " " + formatQty(m.qty) + " from " +
                           core_.codeOf(EntityType::location, m.from);
      if (m.unit) detail += " serial " + textOf(s.entity(EntityType::unit, *m.unit), unit_f::serial);
      h.push_back({m.at, "part", detail + (m.forced ? " (forced)" : ""), {}, {}});
    }
    for (const Id& visit : s.findEntities(EntityType::visit, visit_f::service_case, sync::Blob{std::string(c->id.view())})) {
      const Attributes a = s.entity(EntityType::visit, visit);
      h.push_back({intOf(a, visit_f::window_from), "visit",
                   textOf(a, visit_f::technician) + " until " + formatTime(intOf(a, visit_f::window_to)),
                   textOf(a, visit_f::technician), intOf(a, visit_f::window_to)});
    }
    std::stable_sort(h.begin(), h.end(), [](const HistoryEntry& x, const HistoryEntry& y) { return x.at < y.at; });
    return v;
  });
}

Result<std::vector<CaseRow>> Cases::list() {
  return core_.query<std::vector<CaseRow>>([&]() -> Result<std::vector<CaseRow>> {
    return core_.liveRows(EntityType::service_case, caseRow, &CaseRow::number);
  });
}

}  // namespace fieldsync::node
