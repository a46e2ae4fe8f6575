// Visits: their status machine, follow-ups and the technician's day.
#include "node/visits.h"

#include <algorithm>

#include "node/internal/core.h"

namespace fieldsync::node {
namespace {

constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;

std::string visitName(const Id& id, const Attributes& a) {
  const std::string number = textOf(a, visit_f::number);
  return number.empty() ? id.hex() : number;
}

VisitRow visitRow(Node::Core& core, const Id& id, const Attributes& a) {
  VisitRow r;
  r.visit = visitName(id, a);
  r.technician = textOf(a, visit_f::technician);
  r.from = intOf(a, visit_f::window_from);
  r.to = intOf(a, visit_f::window_to);
  if (const auto c = idOf(a, visit_f::service_case)) {
    const Attributes ca = core.store->entity(EntityType::service_case, *c);
    r.case_number = textOf(ca, case_f::number);
    r.customer = textOf(ca, case_f::customer);
    r.site = textOf(ca, case_f::site);
  }
  const Folded f = foldVisit(core.transitions(FactKind::visit_transition, id));
  r.status = static_cast<VisitStatus>(f.status);
  r.anomalies = f.anomalies;
  if (r.status == VisitStatus::cannot_complete) {  // the reason of the fact that entered it, as folded
    std::vector<Op> facts = core.store->facts(FactKind::visit_transition, id);
    for (const Op& op : facts) {
      const Attributes fa = fieldsOf(op);
      if (intOf(fa, fact_f::status) == static_cast<std::int64_t>(VisitStatus::cannot_complete) &&
          intOf(fa, fact_f::at) == f.last_at)
        r.reason = textOf(fa, fact_f::reason);
    }
  }
  if (const auto prior = idOf(a, visit_f::follow_up_of))
    r.follow_up_of = visitName(*prior, core.store->entity(EntityType::visit, *prior));
  return r;
}

}  // namespace

std::pair<Id, std::string> Node::Core::newVisit(const Id& service_case, const std::string& technician,
                                                std::int64_t from, std::int64_t to, const std::optional<Id>& follow_up_of) {
  const Id visit = new_id();
  const std::string number = nextNumber("V");
  std::vector<Field> f{idField(visit_f::service_case, service_case), {visit_f::technician, technician},
                       {visit_f::window_from, from}, {visit_f::window_to, to}, {visit_f::number, number}};
  if (follow_up_of) f.push_back(idField(visit_f::follow_up_of, *follow_up_of));
  emit(EntityType::visit, visit, FactKind::none, std::move(f));
  return {visit, number};
}

Visits::Visits(Node& node) : core_(*node.core_) {}

Result<VisitStepped> Visits::step(std::string_view ref, const VisitStep& s) {
  const bool failing = s.to == VisitStatus::cannot_complete;
  auto reason = fieldText("--reason", s.reason, kMaxNameBytes, failing ? "say why the visit cannot complete" : "");
  if (!reason) return reason.error();
  if (!failing && !reason->empty()) return invalid("--reason", "only a visit that cannot complete takes a reason");
  const bool follow_up = s.follow_up_from || s.follow_up_to;
  if (follow_up && !failing) return invalid("--follow-up-from", "only a visit that cannot complete is followed up");
  if (!follow_up && !s.follow_up_technician.empty())
    return invalid("--technician", "names the follow-up's technician: give --follow-up-from and --follow-up-to");
  if (follow_up && !(s.follow_up_from && s.follow_up_to))
    return invalid(s.follow_up_from ? "--follow-up-to" : "--follow-up-from", "a follow-up needs both ends of its window");
  if (follow_up && *s.follow_up_to <= *s.follow_up_from)
    return invalid("--follow-up-to", "the follow-up window must end after it starts");
  if (s.to == VisitStatus::scheduled) return invalid("STATUS", "a visit is scheduled with 'case schedule'");
  return core_.command<VisitStepped>([&]() -> Result<VisitStepped> {
    auto v = core_.findNumbered(EntityType::visit, visit_f::number, ref, "visit");
    if (!v) return v.error();
    if (v->number.empty()) v->number = v->id.hex();
    const auto when = core_.businessTime(s.at);
    if (!when) return when.error();
    const auto before = core_.store->status(EntityType::visit, v->id);
    const auto from = static_cast<VisitStatus>(before ? before->status : 0);
    if (!s.force)
      if (auto ok = core_.checkTransition(*v, "visit", s.to, *when); !ok) return ok.error();
    std::vector<Field> f{{fact_f::at, *when}, {fact_f::status, static_cast<std::int64_t>(s.to)}};
    if (failing) f.push_back({fact_f::reason, *reason});
    if (s.force) f.push_back({fact_f::forced, true});
    core_.emit(EntityType::visit, v->id, FactKind::visit_transition, std::move(f));
    VisitStepped out{visitRow(core_, v->id, v->attrs), from, *when, std::nullopt};
    if (follow_up) {
      const auto c = idOf(v->attrs, visit_f::service_case);
      if (!c) return sync::fail(Errc::internal, "visit " + v->number + " names no case");
      const auto st = core_.store->status(EntityType::service_case, *c);
      const auto status = static_cast<CaseStatus>(st ? st->status : 0);
      if (status == CaseStatus::closed || status == CaseStatus::cancelled || status == CaseStatus::resolved)
        return refused("case " + out.visit.case_number + " is " + std::string(name(status)) +
                       ": reopen it before scheduling a follow-up");
      auto who = fieldText("--technician", s.follow_up_technician.empty() ? out.visit.technician : s.follow_up_technician,
                           kMaxNameBytes, "name the technician");
      if (!who) return who.error();
      const auto [id, number] = core_.newVisit(*c, *who, *s.follow_up_from, *s.follow_up_to, v->id);
      out.follow_up = VisitScheduled{out.visit.case_number, id, number, *who, *s.follow_up_from, *s.follow_up_to, status};
    }
    return out;
  });
}

Result<std::vector<VisitRow>> Visits::list(std::string_view technician, std::optional<std::int64_t> day,
                                           std::string_view case_ref) {
  return core_.query<std::vector<VisitRow>>([&]() -> Result<std::vector<VisitRow>> {
    std::optional<Id> only;
    if (!case_ref.empty()) {
      auto c = core_.findNumbered(EntityType::service_case, case_f::number, case_ref, "case");
      if (!c) return c.error();
      only = c->id;
    }
    std::vector<VisitRow> out;
    core_.forEachLive(EntityType::visit, [&](const Id& id, const Attributes& a) {
      if (only && idOf(a, visit_f::service_case) != only) return;
      if (!technician.empty() && !sameName(textOf(a, visit_f::technician), technician)) return;
      if (day && (intOf(a, visit_f::window_to) <= *day || intOf(a, visit_f::window_from) >= *day + kDayMs)) return;
      out.push_back(visitRow(core_, id, a));
    });
    std::sort(out.begin(), out.end(), [](const VisitRow& x, const VisitRow& y) {
      return std::tie(x.from, x.to, x.visit) < std::tie(y.from, y.to, y.visit);
    });
    return out;
  });
}

}  // namespace fieldsync::node
