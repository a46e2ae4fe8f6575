#include "node/model.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace fieldsync::node;
using fieldsync::sync::randomId;
using fieldsync::sync::Stamp;

namespace {
Transition step(std::int64_t at, int to, std::uint64_t hlc = 1) { return {at, Stamp{hlc, randomId(), 1}, to}; }
int cs(CaseStatus s) { return static_cast<int>(s); }
int ss(ShipmentStatus s) { return static_cast<int>(s); }
}  // namespace

TEST_CASE("a case status fold gives the same result for every order of the same facts", "[node][model]") {
  std::vector<Transition> events{step(1, cs(CaseStatus::open)), step(2, cs(CaseStatus::scheduled)),
                                 step(3, cs(CaseStatus::in_progress)), step(4, cs(CaseStatus::on_hold)),
                                 step(5, cs(CaseStatus::in_progress)), step(6, cs(CaseStatus::resolved)),
                                 step(6, cs(CaseStatus::cancelled), 2)};
  const Folded expected = foldCase(events);
  CHECK(expected.status == cs(CaseStatus::resolved));
  CHECK(expected.anomalies == 1);  // the cancel after resolve is illegal once merged
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.stamp < b.stamp; });
  do {
    const Folded f = foldCase(events);
    REQUIRE(f.status == expected.status);
    REQUIRE(f.anomalies == expected.anomalies);
  } while (std::next_permutation(events.begin(), events.end(),
                                 [](const auto& a, const auto& b) { return a.stamp < b.stamp; }));
}

TEST_CASE("completed and cancelled offline: the earlier in business time wins, the other is an anomaly",
          "[node][model]") {
  const std::vector<Transition> base{step(1, cs(CaseStatus::open)), step(2, cs(CaseStatus::in_progress))};
  auto with = [&](std::vector<Transition> extra) {
    auto all = base;
    all.insert(all.end(), extra.begin(), extra.end());
    return foldCase(all);
  };
  const Folded tech_first = with({step(3, cs(CaseStatus::resolved)), step(4, cs(CaseStatus::cancelled))});
  CHECK(tech_first.status == cs(CaseStatus::resolved));
  CHECK(tech_first.anomalies == 1);
  REQUIRE(tech_first.skipped.size() == 1);  // what was not applied, and where it would have gone
  CHECK(tech_first.skipped[0].from == cs(CaseStatus::resolved));
  CHECK(tech_first.skipped[0].to == cs(CaseStatus::cancelled));
  CHECK(tech_first.skipped[0].at == 4);
  const Folded office_first = with({step(4, cs(CaseStatus::resolved)), step(3, cs(CaseStatus::cancelled))});
  CHECK(office_first.status == cs(CaseStatus::cancelled));
  CHECK(office_first.anomalies == 1);
}

TEST_CASE("reopening is counted", "[node][model]") {
  const Folded f = foldCase({step(1, cs(CaseStatus::open)), step(2, cs(CaseStatus::in_progress)),
                             step(3, cs(CaseStatus::resolved)), step(4, cs(CaseStatus::reopened)),
                             step(5, cs(CaseStatus::in_progress)), step(6, cs(CaseStatus::resolved)),
                             step(7, cs(CaseStatus::closed)), step(8, cs(CaseStatus::reopened))});
  CHECK(f.status == cs(CaseStatus::reopened));
  CHECK(f.counted == 2);
  CHECK(f.anomalies == 0);
}

TEST_CASE("a shipment status is a fold by business time, never the last arrived", "[node][model]") {
  // The delivery scan arrives before the dispatch scan; the fold still orders them.
  std::vector<Transition> events{step(30, ss(ShipmentStatus::delivered)), step(10, ss(ShipmentStatus::dispatched)),
                                 step(20, ss(ShipmentStatus::attempt_failed))};
  const Folded f = foldShipment(events);
  CHECK(f.status == ss(ShipmentStatus::delivered));
  CHECK(f.counted == 1);
  CHECK(f.anomalies == 0);
  // Cancelled after dispatch is illegal once merged; delivered without dispatch too.
  CHECK(foldShipment({step(1, ss(ShipmentStatus::dispatched)), step(2, ss(ShipmentStatus::cancelled))}).anomalies == 1);
  CHECK(foldShipment({step(1, ss(ShipmentStatus::delivered))}).status == ss(ShipmentStatus::created));
}

TEST_CASE("every status reachable in a machine has its next statuses defined", "[node][model]") {
  CHECK(nextStatuses(CaseStatus::cancelled).empty());
  CHECK(nextStatuses(ShipmentStatus::delivered).empty());
  const auto from_resolved = nextStatuses(CaseStatus::resolved);
  CHECK(from_resolved == std::vector<CaseStatus>{CaseStatus::closed, CaseStatus::reopened});
}

TEST_CASE("quantities parse to milli-units and print back", "[node][model]") {
  CHECK(*parseQty("2", "q") == 2000);
  CHECK(*parseQty("0.5", "q") == 500);
  CHECK(*parseQty("-1.25", "q") == -1250);
  CHECK(*parseQty(".5", "q") == 500);
  CHECK_FALSE(parseQty("1.2345", "q"));
  CHECK_FALSE(parseQty("abc", "q"));
  // A sign only in front, digits only on both sides of the point (issue 12, section 4).
  for (const char* text : {"--5", "1.-5", "+-2", "-+2", "1e3", " 2", "2 ", "0x10", "1..5", "+", "-.", "1.5.0"}) {
    INFO(text);
    CHECK_FALSE(parseQty(text, "--qty"));
  }
  CHECK(*parseQty("+2", "q") == 2000);
  CHECK_FALSE(parseQty("", "q"));
  auto bad = parseQty("1,5", "--qty");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::StartsWith("--qty: '1,5' is not a quantity"));
  CHECK(*parseQty("999999999999.999", "q") == kMaxQtyMilli);
  auto large = parseQty("1000000000000", "--qty");
  REQUIRE_FALSE(large);
  CHECK(large.error().message == "--qty: '1000000000000' is too large (at most 999999999999.999)");
  CHECK(formatQty(2000) == "2");
  CHECK(formatQty(1250) == "1.25");
  CHECK(formatQty(-500) == "-0.5");
}

TEST_CASE("times parse as UTC and print as ISO 8601", "[node][model]") {
  CHECK(*parseTime("1970-01-01", "t") == 0);
  CHECK(*parseTime("2026-01-01T08:00Z", "t") == *parseTime("2026-01-01T08:00:00Z", "t"));
  CHECK(*parseTime("1969-12-31T23:59:59Z", "t") == -1000);  // old equipment has old dates
  CHECK_FALSE(parseTime("1899-12-31", "t"));
  CHECK(*parseTime("2026-11-21T08:30", "t") == *parseTime("2026-11-21T08:30:00Z", "t"));
  CHECK(formatTime(*parseTime("2026-11-21T08:30:15", "t")) == "2026-11-21T08:30:15Z");
  CHECK_FALSE(parseTime("21.11.2026", "t"));
  CHECK_FALSE(parseTime("2026-13-01", "t"));
  CHECK_FALSE(parseTime("2026-11-21T25:00", "t"));
}

TEST_CASE("a time that is not in the calendar is an error naming the option, never another day", "[node][model]") {
  for (const char* text : {"2026-02-30", "2026-04-31T08:00", "2027-02-29", "2026-01-01T-1:00", "2026-01-01T24:00",
                           "2026-01-01T08:60", "2026-01-01T08:00:60", " 2026-01-01", "2026-1-01", "2026-01-01T8:00",
                           "1899-12-31", "+026-01-01", "2026-01-01T08:00:00+02"}) {
    INFO(text);
    auto t = parseTime(text, "--at");
    REQUIRE_FALSE(t);
    CHECK(t.error().code == fieldsync::sync::Errc::invalid_input);
    CHECK_THAT(t.error().message, Catch::StartsWith("--at: '" + std::string(text) + "'"));
  }
  CHECK(formatTime(*parseTime("2028-02-29T23:59:59Z", "t")) == "2028-02-29T23:59:59Z");  // a leap day
  CHECK(formatTime(*parseTime("2026-12-31T00:00", "t")) == "2026-12-31T00:00:00Z");
}

TEST_CASE("names parse back and a wrong one lists the choices", "[node][model]") {
  CHECK(*parseName<LocationKind>("van", "--kind") == LocationKind::van);
  auto bad = parseName<LocationKind>("truck", "--kind");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("warehouse, bin, van"));
}
