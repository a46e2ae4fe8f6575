// Visits: a service case's visits and their own status machine
// (docs/data-model.md, "Visits"): scheduled, travelling, on_site, then
// completed or cannot_complete with a reason, when a follow-up visit may be
// scheduled at once. A visit's status is a fold over its transition facts
// by business time (like a case's), so devices that record steps offline
// agree once merged; the case's own status does not change: it stays open.
// A visit is named by its number (V-...) or id. Times are ms since the
// epoch, UTC. Borrows the Node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/cases.h"

namespace fieldsync::node {

struct VisitStep {
  VisitStatus to = VisitStatus::travelling;
  std::optional<std::int64_t> at;  // business time; now if absent
  std::string reason;              // cannot_complete only, required there
  // cannot_complete only: a follow-up visit in this window, for this
  // technician (empty: the same one).
  std::optional<std::int64_t> follow_up_from, follow_up_to;
  std::string follow_up_technician;
  bool force = false;  // record it though the visit's history as this node knows it forbids it
};

struct VisitRow {
  std::string visit;  // its number, or its id for a visit scheduled before numbers
  std::string case_number, customer, site, technician;
  std::int64_t from = 0, to = 0;  // the window
  VisitStatus status = VisitStatus::scheduled;
  std::string reason;        // why it could not complete
  std::string follow_up_of;  // the visit it follows up
  std::int64_t anomalies = 0;  // transitions that were illegal once merged
};

struct VisitStepped {
  VisitRow visit;  // after the step
  VisitStatus from = VisitStatus::scheduled;
  std::int64_t at = 0;
  std::optional<VisitScheduled> follow_up;
};

class Visits {
 public:
  explicit Visits(Node& node);

  // Errc::refused naming the allowed next statuses when the step does not
  // fit the visit's history at `at` (unless forced); Errc::invalid_input
  // naming the option for a missing or misplaced reason or follow-up window.
  Result<VisitStepped> step(std::string_view ref, const VisitStep& step);
  // By window start. `technician` empty: everyone's; `day`: the UTC day's
  // start (ms), visits whose window overlaps it; `case_ref`: one case's.
  Result<std::vector<VisitRow>> list(std::string_view technician = {}, std::optional<std::int64_t> day = {},
                                     std::string_view case_ref = {});

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
