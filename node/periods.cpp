// Period close (docs/data-model.md, "Period close").
#include "node/periods.h"

#include "node/internal/core.h"

namespace fieldsync::node {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::string lastDay(std::int64_t closed_until) { return formatTime(closed_until - kDayMs).substr(0, 10); }

PeriodRow periodRow(Node::Core&, const Id&, const Attributes& a) {
  const std::int64_t until = intOf(a, period_f::closed_until);
  return {textOf(a, period_f::branch), until ? lastDay(until) : std::string(), until};
}

}  // namespace

std::string Node::Core::Closed::lastDay() const { return node::lastDay(until); }
std::string Node::Core::Closed::name() const { return branch.empty() ? "the company" : "branch " + branch; }

Id Node::Core::periodId(std::string_view branch) const {
  return sync::naturalId("period", {company.view(), sync::normaliseSerial(branch)});
}

std::optional<Node::Core::Closed> Node::Core::closedAt(const Id& location, std::int64_t at) {
  std::optional<Closed> out;
  if (store->entityIds(EntityType::period).empty()) return out;  // no close yet: the common case, one read
  const std::string branch = textOf(store->entity(EntityType::location, location), location_f::branch);
  std::vector<std::string> closes{std::string()};  // the company's, then the location's branch's
  if (!branch.empty()) closes.push_back(branch);
  for (const std::string& b : closes) {
    const std::int64_t until = intOf(store->entity(EntityType::period, periodId(b)), period_f::closed_until);
    if (at < until && (!out || until > out->until)) out = Closed{b, until};
  }
  return out;
}

sync::Status Node::Core::checkOpenPeriod(std::initializer_list<const LocationRef*> locations, std::int64_t at) {
  for (const LocationRef* l : locations) {
    const auto closed = closedAt(l->id, at);
    if (!closed) continue;
    return refused("period: " + closed->name() + " is closed through " + closed->lastDay() + ", and this posting at " +
                   l->code + " is dated " + formatTime(at) + "; post a correction in the open period, or use --force to record it anyway");
  }
  return {};
}

Periods::Periods(Node& node) : core_(*node.core_) {}

Result<PeriodClosed> Periods::close(const PeriodClose& spec) {
  auto branch = fieldText("--branch", spec.branch, kMaxNameBytes);
  if (!branch) return branch.error();
  if (spec.through.size() != 10) return invalid("--through", "give the period's last day, like 2026-10-31");
  auto day = parseTime(spec.through, "--through");
  if (!day) return day.error();
  const std::int64_t until = *day + kDayMs;
  if (until > core_.now() + kBusinessTimeToleranceMs)
    return invalid("--through", spec.through + " has not ended yet: a period closes after its last day");
  return core_.command<PeriodClosed>([&]() -> Result<PeriodClosed> {
    const Id id = core_.periodId(*branch);
    const Attributes old = core_.store->entity(EntityType::period, id);
    const std::int64_t before = intOf(old, period_f::closed_until);
    core_.emit(EntityType::period, id, FactKind::none, {{period_f::branch, *branch}, {period_f::closed_until, until}});
    return PeriodClosed{{*branch, lastDay(until), until}, before ? lastDay(before) : std::string()};
  });
}

Result<std::vector<PeriodRow>> Periods::list() {
  return core_.query<std::vector<PeriodRow>>([&]() -> Result<std::vector<PeriodRow>> {
    return core_.liveRows(EntityType::period, periodRow, &PeriodRow::branch);
  });
}

}  // namespace fieldsync::node
