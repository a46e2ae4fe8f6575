// Cases: service cases, their visits, status transitions along the case
// state machine (docs/data-model.md), work log, parts used from a van and
// the customer's sign-off. A case is named by its number or id. A case's
// status is a fold over its transition facts by business time, so a
// back-dated transition must fit the case's history. Times are ms since the
// epoch, UTC. Borrows the Node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/node.h"
#include "node/stock.h"

namespace fieldsync::node {

struct CaseSpec {
  std::string customer, site, unit_item, unit_serial, problem;
  Priority priority = Priority::normal;
  std::optional<std::int64_t> at;
};

// An edit writes only the fields it names.
struct CaseEdit {
  std::optional<Priority> priority;
  std::optional<std::string> problem;
};

struct CaseOpened {
  sync::Id id;
  std::string number, customer;  // number: "C-1a2b3c4d-0001"
  CaseStatus status = CaseStatus::open;
  std::int64_t at = 0;
};
struct VisitScheduled {
  std::string case_number;
  sync::Id visit;
  std::string number;  // "V-1a2b3c4d-0001"
  std::string technician;
  std::int64_t from = 0, to = 0;  // the window
  CaseStatus status = CaseStatus::scheduled;  // the case's, after scheduling
};
struct CaseTransitioned {
  std::string case_number;
  CaseStatus from = CaseStatus::open, to = CaseStatus::open;
  std::int64_t reopen_count = 0, at = 0;
};
struct CaseNote {  // a work-log activity or a sign-off
  std::string case_number, text;  // the activity, or who signed
  std::string proof;              // a sign-off's signature: its attachment's reference (node/attachments.h)
  std::int64_t at = 0;
};

struct CaseRow {
  std::string number, customer, site;
  std::string unit;  // "ITEM/SERIAL", empty without a unit
  Priority priority = Priority::normal;
  CaseStatus status = CaseStatus::new_case;
  std::int64_t reopen_count = 0;
  std::int64_t anomalies = 0;  // transitions that were illegal once merged
  std::string problem;
};
struct CaseView {
  CaseRow summary;
  std::vector<HistoryEntry> history;  // visits, statuses, activities, parts, sign-offs, by time
};

class Cases {
 public:
  explicit Cases(Node& node);

  Result<CaseOpened> open(const CaseSpec& spec);
  Result<CaseRow> edit(std::string_view ref, const CaseEdit& edit);
  // A visit; the case becomes scheduled at `at` (now when absent) if that
  // fits its history at that time.
  Result<VisitScheduled> schedule(std::string_view ref, std::string_view technician, std::int64_t from, std::int64_t to,
                                  std::optional<std::int64_t> at = std::nullopt);
  // Errc::refused saying what blocks it when the case's history, as this
  // node knows it, forbids it; `force` records it anyway, marked forced (a
  // resolve or reopen the field knows happened though its view is stale).
  Result<CaseTransitioned> setStatus(std::string_view ref, CaseStatus to, std::optional<std::int64_t> at,
                                     bool force = false);
  Result<CaseNote> log(std::string_view ref, std::string_view text, std::optional<std::int64_t> at);
  Result<MovePosted> usePart(std::string_view ref, const MoveSpec& spec);  // from spec.from, a van
  // `signature`: the customer's drawn signature (PNG or JPEG bytes), kept
  // as an attachment (node/attachments.h) that the sign-off refers to.
  Result<CaseNote> signOff(std::string_view ref, std::string_view signer, std::optional<std::int64_t> at,
                           std::string_view signature = {});
  Result<CaseView> show(std::string_view ref);
  Result<std::vector<CaseRow>> list();  // by number

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
