#include "node/model.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <chrono>
#include <ctime>

namespace fieldsync::node {
namespace {

using sync::Errc;
using sync::fail;

template <class E>
struct Names;
template <> struct Names<LocationKind> {
  static constexpr std::array<std::string_view, 10> v{"warehouse", "bin", "van", "transit", "supplier",
                                                      "customer", "consumed", "scrap", "loss", "repair"};
};
template <> struct Names<MoveKind> {
  static constexpr std::array<std::string_view, 13> v{
      "receipt", "issue", "transfer", "transit_out", "transit_in", "consumption", "customer_return",
      "adjustment", "count", "scrap", "shipment_out", "shipment_delivery", "shipment_return"};
};
template <> struct Names<CaseStatus> {
  static constexpr std::array<std::string_view, 9> v{"new", "open", "scheduled", "in_progress", "on_hold",
                                                     "resolved", "closed", "reopened", "cancelled"};
};
template <> struct Names<ShipmentStatus> {
  static constexpr std::array<std::string_view, 11> v{"created", "ready", "dispatched", "in_transit",
                                                      "out_for_delivery", "delivered", "attempt_failed",
                                                      "returning", "returned", "cancelled", "partially_delivered"};
};
template <> struct Names<Priority> {
  static constexpr std::array<std::string_view, 4> v{"low", "normal", "high", "urgent"};
};
template <> struct Names<VisitStatus> {
  static constexpr std::array<std::string_view, 5> v{"scheduled", "travelling", "on_site", "completed",
                                                     "cannot_complete"};
};
template <> struct Names<UnitState> {
  static constexpr std::array<std::string_view, 10> v{"registered", "in_stock", "in_transit", "delivered",
                                                      "installed", "under_repair", "consumed", "scrapped",
                                                      "returned",   "missing"};
};

template <class E>
std::string_view nameOf(E v) {
  const auto i = static_cast<std::size_t>(v);
  return i < Names<E>::v.size() ? Names<E>::v[i] : "unknown";
}

template <class E>
std::string choices() {
  std::string out;
  for (std::string_view n : Names<E>::v) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// A repeated entry into the counted status that the machine does not allow
// (attempt_failed after attempt_failed: two devices each recorded a failed
// attempt offline) is an anomaly and still counts when `count_repeats`.
template <class S>
Folded fold(std::vector<Transition> events, S initial, int counted_status, bool count_repeats = false) {
  std::sort(events.begin(), events.end(),
            [](const Transition& a, const Transition& b) { return std::tie(a.at, a.stamp) < std::tie(b.at, b.stamp); });
  Folded f{static_cast<int>(initial), 0, 0, 0, {}};
  for (const Transition& e : events) {
    const auto next = nextStatuses(static_cast<S>(f.status));
    if (std::find(next.begin(), next.end(), static_cast<S>(e.to)) == next.end()) {
      ++f.anomalies;
      f.skipped.push_back({e.at, f.status, e.to, e.forced});
      if (count_repeats && e.to == counted_status && f.status == counted_status) ++f.counted;
      if (!e.forced) continue;
    }
    f.status = e.to;
    f.last_at = e.at;
    if (e.to == counted_status) ++f.counted;
  }
  return f;
}

}  // namespace

std::string_view name(LocationKind v) { return nameOf(v); }
std::string_view name(MoveKind v) { return nameOf(v); }
std::string_view name(CaseStatus v) { return nameOf(v); }
std::string_view name(ShipmentStatus v) { return nameOf(v); }
std::string_view name(Priority v) { return nameOf(v); }
std::string_view name(UnitState v) { return nameOf(v); }
std::string_view name(VisitStatus v) { return nameOf(v); }

template <class E>
sync::Result<E> parseName(std::string_view text, std::string_view what) {
  const auto& names = Names<E>::v;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == text) return static_cast<E>(i);
  return fail(Errc::invalid_input,
              std::string(what) + ": '" + std::string(text) + "' is not one of: " + choices<E>());
}
template sync::Result<LocationKind> parseName(std::string_view, std::string_view);
template sync::Result<CaseStatus> parseName(std::string_view, std::string_view);
template sync::Result<ShipmentStatus> parseName(std::string_view, std::string_view);
template sync::Result<Priority> parseName(std::string_view, std::string_view);
template sync::Result<VisitStatus> parseName(std::string_view, std::string_view);

bool holdsStock(LocationKind kind) {
  switch (kind) {
    case LocationKind::warehouse:
    case LocationKind::bin:
    case LocationKind::van:
    case LocationKind::transit:
    case LocationKind::repair: return true;
    default: return false;
  }
}

std::vector<CaseStatus> nextStatuses(CaseStatus from) {
  using S = CaseStatus;
  switch (from) {
    case S::new_case: return {S::open, S::scheduled, S::cancelled};
    case S::open: return {S::scheduled, S::in_progress, S::cancelled};
    case S::scheduled: return {S::open, S::in_progress, S::cancelled};
    case S::in_progress: return {S::on_hold, S::resolved, S::cancelled};
    case S::on_hold: return {S::in_progress, S::cancelled};
    case S::resolved: return {S::closed, S::reopened};
    case S::closed: return {S::reopened};
    case S::reopened: return {S::scheduled, S::in_progress, S::cancelled};
    case S::cancelled: return {};
  }
  return {};
}

std::vector<ShipmentStatus> nextStatuses(ShipmentStatus from) {
  using S = ShipmentStatus;
  switch (from) {
    case S::created: return {S::ready, S::dispatched, S::cancelled};
    case S::ready: return {S::dispatched, S::cancelled};
    case S::dispatched:
    case S::in_transit:
      return {S::in_transit, S::out_for_delivery, S::delivered, S::partially_delivered, S::attempt_failed, S::returning};
    case S::out_for_delivery: return {S::in_transit, S::delivered, S::partially_delivered, S::attempt_failed, S::returning};
    case S::attempt_failed:
      return {S::in_transit, S::out_for_delivery, S::delivered, S::partially_delivered, S::returning};
    case S::partially_delivered: return {S::returning, S::returned};  // what was refused comes back
    case S::returning: return {S::in_transit, S::returned};
    case S::delivered:
    case S::returned:
    case S::cancelled: return {};
  }
  return {};
}

std::vector<VisitStatus> nextStatuses(VisitStatus from) {
  using S = VisitStatus;
  switch (from) {
    case S::scheduled: return {S::travelling, S::on_site, S::cannot_complete};
    case S::travelling: return {S::on_site, S::cannot_complete};
    case S::on_site: return {S::completed, S::cannot_complete};
    case S::completed:
    case S::cannot_complete: return {};
  }
  return {};
}

namespace {
template <class S>
Fit fit(std::vector<Transition> events, const Transition& next, S initial, int counted_status) {
  auto before = [&](const Transition& e) { return std::tie(e.at, e.stamp) < std::tie(next.at, next.stamp); };
  std::vector<Transition> earlier;
  std::copy_if(events.begin(), events.end(), std::back_inserter(earlier), before);
  Fit out;
  out.then = fold(earlier, initial, counted_status).status;
  const Folded without = fold(events, initial, counted_status);
  events.push_back(next);
  const Folded with = fold(std::move(events), initial, counted_status);
  const auto next_ok = nextStatuses(static_cast<S>(out.then));
  const bool legal = std::find(next_ok.begin(), next_ok.end(), static_cast<S>(next.to)) != next_ok.end();
  out.ok = legal && with.anomalies == without.anomalies;
  if (legal && !out.ok)  // a later transition no longer follows
    for (const Folded::Skipped& k : with.skipped)
      if (k.at >= next.at && std::find_if(without.skipped.begin(), without.skipped.end(), [&](const Folded::Skipped& w) {
                               return w.at == k.at && w.from == k.from && w.to == k.to;
                             }) == without.skipped.end()) {
        out.broken = k;
        break;
      }
  return out;
}
}  // namespace

Fit fitCase(std::vector<Transition> events, const Transition& next) {
  return fit(std::move(events), next, CaseStatus::new_case, static_cast<int>(CaseStatus::reopened));
}

Fit fitShipment(std::vector<Transition> events, const Transition& next) {
  return fit(std::move(events), next, ShipmentStatus::created, static_cast<int>(ShipmentStatus::attempt_failed));
}

Folded foldCase(std::vector<Transition> events) {
  return fold(std::move(events), CaseStatus::new_case, static_cast<int>(CaseStatus::reopened));
}

Folded foldVisit(std::vector<Transition> events) {
  return fold(std::move(events), VisitStatus::scheduled, -1);
}

Fit fitVisit(std::vector<Transition> events, const Transition& next) {
  return fit(std::move(events), next, VisitStatus::scheduled, -1);
}

Folded foldShipment(std::vector<Transition> events) {
  return fold(std::move(events), ShipmentStatus::created, static_cast<int>(ShipmentStatus::attempt_failed), true);
}

UnitState unitState(std::optional<LocationKind> where, bool installed) {
  if (!where) return installed ? UnitState::installed : UnitState::registered;
  switch (*where) {
    case LocationKind::warehouse:
    case LocationKind::bin:
    case LocationKind::van: return UnitState::in_stock;
    case LocationKind::transit: return UnitState::in_transit;
    case LocationKind::customer: return installed ? UnitState::installed : UnitState::delivered;
    case LocationKind::consumed: return installed ? UnitState::installed : UnitState::consumed;
    case LocationKind::scrap:
    case LocationKind::loss: return UnitState::scrapped;
    case LocationKind::repair: return UnitState::under_repair;
    case LocationKind::supplier: return UnitState::returned;
  }
  return UnitState::registered;
}

namespace {
sync::Result<std::string> checked(std::string_view field, std::string_view value, std::string normalised,
                                  std::size_t limit, std::string_view required) {
  if (!sync::isValidUtf8(value)) return fail(Errc::invalid_input, std::string(field) + ": is not valid UTF-8 text");
  // Control characters (C0, DEL; C1 as two bytes from U+0080 to U+009F):
  // none in a code or a name; a longer text may hold tabs and line breaks.
  const bool lines = limit > kMaxNameBytes;
  for (std::size_t i = 0; i < normalised.size(); ++i) {
    const auto c = static_cast<unsigned char>(normalised[i]);
    const bool control = c < 0x20 || c == 0x7F ||
                         (c == 0xC2 && i + 1 < normalised.size() && static_cast<unsigned char>(normalised[i + 1]) < 0xA0);
    if (control && !(lines && (c == '\n' || c == '\t' || c == '\r')))
      return fail(Errc::invalid_input, std::string(field) + ": holds a control character" +
                                           (lines ? " (only tabs and line breaks may be in it)" : ""));
  }
  if (normalised.size() > limit)
    return fail(Errc::invalid_input, std::string(field) + ": is " + std::to_string(normalised.size()) +
                                         " bytes long; the limit is " + std::to_string(limit));
  if (normalised.empty() && !required.empty())
    return fail(Errc::invalid_input, std::string(field) + ": " + std::string(required));
  return normalised;
}
}  // namespace

sync::Result<std::string> fieldText(std::string_view field, std::string_view value, std::size_t limit,
                                    std::string_view required) {
  return checked(field, value, sync::normaliseText(value), limit, required);
}

sync::Result<std::string> fieldLine(std::string_view field, std::string_view value, std::string_view required) {
  auto text = fieldText(field, value, kMaxNameBytes, required);
  if (text && text->find('\n') != std::string::npos)
    return fail(Errc::invalid_input, std::string(field) + ": is one line");
  return text;
}

sync::Result<std::string> fieldCode(std::string_view field, std::string_view value, std::string_view required) {
  return checked(field, value, sync::normaliseSerial(value), kMaxCodeBytes, required);
}

sync::Result<std::int64_t> parseQty(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return fail(Errc::invalid_input, std::string(what) + ": '" + std::string(text) +
                                         "' is not a quantity (a number with at most 3 decimals)");
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  const auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot), frac = dot == s.npos ? "" : s.substr(dot + 1);
  auto digits = [](std::string_view d) { return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; }); };
  if ((whole.empty() && frac.empty()) || frac.size() > 3 || !digits(whole) || !digits(frac)) return bad();
  if (whole.size() > 12)
    return fail(Errc::invalid_input, std::string(what) + ": '" + std::string(text) +
                                         "' is too large (at most 999999999999.999)");
  std::int64_t w = 0, f = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), w);
  std::from_chars(frac.data(), frac.data() + frac.size(), f);
  for (std::size_t i = frac.size(); i < 3; ++i) f *= 10;
  const std::int64_t milli = w * 1000 + f;
  return negative ? -milli : milli;
}

std::string formatQty(std::int64_t milli) {
  const bool negative = milli < 0;
  const std::uint64_t abs = negative ? 0 - static_cast<std::uint64_t>(milli) : static_cast<std::uint64_t>(milli);
  std::string out = (negative ? "-" : "") + std::to_string(abs / 1000);
  if (std::uint64_t frac = abs % 1000) {
    std::string digits = std::to_string(1000 + frac).substr(1);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

sync::Result<std::int64_t> parseTime(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return fail(Errc::invalid_input, std::string(what) + ": '" + std::string(text) + "' " + std::string(why));
  };
  constexpr std::string_view kShape = "is not a UTC time like 2026-11-21, 2026-11-21T08:30 or 2026-11-21T08:30:00Z";
  // The accepted shapes, character by character: 'd' a digit, others themselves.
  constexpr std::string_view kShapes[] = {"dddd-dd-dd", "dddd-dd-ddTdd:dd", "dddd-dd-ddTdd:ddZ", "dddd-dd-ddTdd:dd:dd",
                                          "dddd-dd-ddTdd:dd:ddZ"};
  const bool shaped = std::any_of(std::begin(kShapes), std::end(kShapes), [&](std::string_view shape) {
    if (shape.size() != text.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i)
      if (shape[i] == 'd' ? text[i] < '0' || text[i] > '9' : text[i] != shape[i]) return false;
    return true;
  });
  if (!shaped) return bad(kShape);
  auto number = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len && i < text.size(); ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  using namespace std::chrono;
  const year_month_day date{year{number(0, 4)}, month{static_cast<unsigned>(number(5, 2))},
                            day{static_cast<unsigned>(number(8, 2))}};
  if (!date.ok()) return bad("is not a date in the calendar");
  const int h = number(11, 2), mi = number(14, 2), sec = text.size() > 17 ? number(17, 2) : 0;
  if (h > 23 || mi > 59 || sec > 59) return bad("is not a time of day (00:00:00 to 23:59:59)");
  if (date.year() < year{1900}) return bad("is before 1900");  // equipment made long ago still has a date
  const auto t = sys_days{date} + hours{h} + minutes{mi} + seconds{sec};
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::string formatTime(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace fieldsync::node
