// Node::Core: the state and helpers shared by the node's command files.
// Internal to fieldsync::node.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/catalogue.h"
#include "node/internal/store.h"
#include "node/node.h"
#include "node/rights.h"
#include "node/stock.h"

namespace fieldsync::node {

using sync::EntityType;
using sync::Errc;
using sync::FactKind;
using sync::Field;
using sync::Id;
using sync::Op;
using sync::Value;

// Attribute access on a register map.
std::string textOf(const Attributes& a, FieldId f);
std::int64_t intOf(const Attributes& a, FieldId f, std::int64_t fallback = 0);
bool flagOf(const Attributes& a, FieldId f);
std::optional<Id> idOf(const Attributes& a, FieldId f);
std::optional<Id> idOf(const Value& v);  // a 16-byte blob
std::vector<Id> idsOf(const Value& v);   // 16-byte ids, concatenated in a blob
Field idField(FieldId f, const Id& id);
std::vector<Id> idsOf(const Attributes& a, FieldId f);  // 16-byte ids, concatenated in a blob
Field idsField(FieldId f, const std::vector<Id>& ids);
Attributes fieldsOf(const Op& op);  // a fact's fields by number

// "a, b, c" for a list of statuses; `none` when the list is empty.
template <class E>
std::string nameList(const std::vector<E>& v, std::string_view none) {
  std::string out;
  for (E e : v) out += (out.empty() ? "" : ", ") + std::string(name(e));
  return out.empty() ? std::string(none) : out;
}

struct ItemRef {
  Id id;
  std::string code;
  bool serial_tracked = false;
  std::int64_t warranty_days = 0, low_stock = 0;
};

struct LocationRef {
  Id id;
  std::string code;
  LocationKind kind = LocationKind::warehouse;
  bool allow_negative = false;
  std::string technician;
};

struct EntityRef {  // a case or a shipment
  Id id;
  std::string number;
  Attributes attrs;
};

struct MoveLine {
  Id item;
  std::string item_code;
  std::int64_t qty = 0;  // milli-units, > 0
  std::optional<Id> unit;
  std::string serial;    // normalised, for messages
};

struct MoveContext {  // optional parts of a stock document
  std::optional<Id> doc;  // add to an existing document (a transfer's arrival)
  std::optional<Id> service_case, shipment;
  std::string reason;
  bool force = false;
};

struct Node::Core {
  std::unique_ptr<Store> store;
  sync::Hlc::WallClock wall;
  std::function<Id()> new_id;
  sync::Hlc hlc;
  Id node, company;
  std::string company_name;
  std::uint64_t seq = 0;
  // Who this device was enrolled as (settings sync.branch, sync.role,
  // sync.person; read by refresh(), and by findNumbered() when it finds
  // nothing). With a role, emit() refuses a domain
  // op outside its rights (node/rights.h); without one (not enrolled, the
  // server's replica) nothing is judged.
  std::optional<Principal> principal;

  Core(std::unique_ptr<Store> s, NodeOptions options, sync::HlcTime last);

  // One transaction around `body`: committed if it succeeds, else rolled
  // back (store errors become Errc::internal or, when busy, unavailable).
  template <class T>
  Result<T> command(const std::function<Result<T>()>& body, bool commit = true);
  template <class T>
  Result<T> query(const std::function<Result<T>()>& body);

  void refresh();  // seq, clock and principal from the store; call inside a write transaction
  void loadPrincipal();
  // Makes a local op, applies it, and returns it. A domain op must fit the
  // field table (node/field_table.h); writeRegisters' raw writes need not.
  Op emit(EntityType type, const Id& entity, FactKind kind, std::vector<Field> fields, bool domain = true);
  bool apply(const Op& op);  // false if already applied
  Result<bool> applyAll(std::span<const Op> ops);  // remote ops: validated, clock advanced
  void project(const Op& op);

  // Stores an image a fact of this command refers to (node/attachments.h)
  // and returns its reference; an error names `field`.
  Result<std::string> attach(std::string_view field, std::string_view bytes);

  std::int64_t now() const { return static_cast<std::int64_t>(wall()); }
  // A command's business time: now if absent; refused (naming --at) when
  // later than now plus kBusinessTimeToleranceMs.
  Result<std::int64_t> businessTime(std::optional<std::int64_t> t) const;
  std::string nextNumber(std::string_view prefix);  // "C-1a2b3c4d-0001"
  // The number this node minted that a register write of a case, shipment or
  // stock document carries ("C-1a2b3c4d-0002"), if any.
  std::optional<std::string> mintedNumber(const Op& op) const;

  // Customers and sites (node/customers.h). party() resolves a command's
  // customer and site to their codes as stored, refusing (naming
  // `prefix` + "customer" or "site") one that is not known; both empty: none.
  struct Party {
    std::string customer, site;
  };
  Id customerId(std::string_view code) const;
  Id siteId(std::string_view customer, std::string_view site) const;
  Result<Party> party(std::string_view customer, std::string_view site, std::string_view prefix);
  Id itemId(std::string_view code) const;
  Id locationId(std::string_view code) const;
  Result<ItemRef> item(std::string_view code);
  Result<LocationRef> location(std::string_view code);
  Result<LocationRef> locationById(const Id& id);
  // Stock rules (node/stock.h): the rule for an item at a location, an item
  // anywhere (no location) or a kind of location (no item, no location).
  Id stockRuleId(const std::optional<Id>& item, const std::optional<Id>& location,
                 std::optional<LocationKind> kind) const;
  StockPolicyView stockPolicy(const Id& item, const LocationRef& at);
  // A new visit of a case (node/visits.h): its id and number.
  std::pair<Id, std::string> newVisit(const Id& service_case, const std::string& technician, std::int64_t from,
                                      std::int64_t to, const std::optional<Id>& follow_up_of);
  // Who holds a van at business time `at` (now when absent): the latest
  // assignment fact by business time, else the technician it was added with.
  std::string technicianAt(const Id& van, std::optional<std::int64_t> at = std::nullopt);
  // A unit's places in business-time order: its movements, the counts that
  // found it, and after each place the first count there that did not find
  // it (a row from there to LOSS: missing from then on). docs/data-model.md, "Counts".
  std::vector<MoveRow> unitTimeline(const Id& unit);
  void placeUnit(const Id& unit);  // the unit's place: the end of its timeline
  std::string codeOf(EntityType type, const Id& id);  // a code or number for display
  std::string unitLabel(const Id& unit, std::string_view separator);  // "ITEM SERIAL"
  Result<EntityRef> findNumbered(EntityType type, FieldId number_field, std::string_view ref, std::string_view what);

  // Resolves serials of an item to units (registering unknown ones when
  // `register_unknown`), or checks a quantity; fails naming the field.
  Result<std::vector<MoveLine>> lines(const ItemRef& item, std::optional<std::int64_t> qty,
                                      const std::vector<std::string>& serials, bool register_unknown);
  // The local rules of a movement at business time `at`: each serial is at
  // `from` and last moved no later than `at`; `from` holds enough stock.
  // postMoves checks them unless forced, then writes the document and one
  // fact per line.
  sync::Status checkMoves(const LocationRef& from, const std::vector<MoveLine>& lines, std::int64_t at);
  Result<MovePosted> postMoves(MoveKind kind, const LocationRef& from, const LocationRef& to,
                               const std::vector<MoveLine>& lines, std::int64_t at, const MoveContext& ctx);
  // Period close (node/periods.h): the close a posting at `location` dated
  // `at` falls inside, if any (the company's or the location's branch's,
  // the later of the two); checkOpenPeriod refuses such a posting, naming
  // --force. postMoves and counts check it unless forced.
  struct Closed {
    std::string branch;  // empty: the company's close
    std::int64_t until = 0;  // the first ms after the closed period
    std::string lastDay() const;  // "2026-10-31" (UTC)
    std::string name() const;     // "the company", "branch north"
  };
  Id periodId(std::string_view branch) const;
  std::optional<Closed> closedAt(const Id& location, std::int64_t at);
  sync::Status checkOpenPeriod(std::initializer_list<const LocationRef*> locations, std::int64_t at);
  // Calls fn(id, attributes) for each entity of `type` not deleted, by id.
  template <class F>
  void forEachLive(EntityType type, F fn) {
    for (const Id& id : store->entityIds(type)) {
      const Attributes a = store->entity(type, id);
      if (!flagOf(a, sync::kDeletedField)) fn(id, a);
    }
  }
  // The entities of `type` not deleted, each made a row by row(core, id,
  // attributes), sorted by `key`.
  template <class Row, class Key>
  std::vector<Row> liveRows(EntityType type, Row (*row)(Core&, const Id&, const Attributes&), Key Row::*key) {
    std::vector<Row> out;
    forEachLive(type, [&](const Id& id, const Attributes& a) { out.push_back(row(*this, id, a)); });
    std::sort(out.begin(), out.end(), [&](const Row& x, const Row& y) { return x.*key < y.*key; });
    return out;
  }
  // The transition facts of a case (case_transition) or shipment (tracking).
  std::vector<Transition> transitions(FactKind kind, const Id& id);
  // Whether a transition of case or shipment `what` (named `number`) to
  // status `to` at `at` fits its history; a refusal says what blocks it.
  template <class S>
  sync::Status checkTransition(const EntityRef& what, std::string_view noun, S to, std::int64_t at);
  void refold(EntityType type, const Id& id);
};

// Register writes of the catalogue's commands (catalogue.cpp): the fields of
// `wanted` whose value differs from `old`'s; writing them (an add of an
// existing, unchanged entity is `unchanged`); the refusal of an add whose
// fields differ; an existing, not retired entity named by its code.
std::vector<Field> changedFields(const Attributes& old, std::vector<Field> wanted);
Saved saveFields(Node::Core& core, EntityType type, const Id& id, const Attributes& old, std::vector<Field> wanted,
                 bool adding);
std::string existsMessage(std::string_view what, const std::string& code, std::string_view verb);
Result<Attributes> existingEntity(Node::Core& core, EntityType type, const Id& id, std::string_view what,
                                  const std::string& code);

// An (item, location)'s ledger in business-time order: how low it went and
// which movements out took it below zero (reconcile.cpp; the negative-stock
// check and the --transfer-from resolution read it).
struct Shortfall {
  std::int64_t lowest = 0, balance = 0, below = 0;  // below: how many movements out left it below zero
  std::optional<std::int64_t> first_at;             // when the first of them happened
  std::string named;                                // the first few, as "document (time)"
};
Shortfall shortfall(Node::Core& core, const Id& item, const Id& location);

// node/rights.h's rule, for emit() and the Rights class.
sync::Status checkRights(Node::Core& core, const Principal& who, const Op& op);
// A technician's cases (scope.cpp): each case is its latest visit's
// technician's (by window start, then visit id); one with no visit, the
// device's that opened it. ownsCase: one case, and a case the state does
// not know yet is the device's new one.
std::set<Id> casesOf(Node::Core& core, const Principal& who);
bool ownsCase(Node::Core& core, const Principal& who, const Id& service_case);

template <class S>
sync::Status Node::Core::checkTransition(const EntityRef& what, std::string_view noun, S to, std::int64_t at) {
  constexpr bool kCase = std::is_same_v<S, CaseStatus>, kVisit = std::is_same_v<S, VisitStatus>;
  std::vector<Transition> events = transitions(
      kCase ? FactKind::case_transition : kVisit ? FactKind::visit_transition : FactKind::tracking, what.id);
  const std::string force = "; use --force to record it anyway";
  const auto first = std::min_element(events.begin(), events.end(),
                                      [](const Transition& x, const Transition& y) { return x.at < y.at; });
  // Before it was opened or created (a visit is scheduled by its register, not a fact).
  if (!kVisit && first != events.end() && at < first->at)
    return sync::fail(Errc::refused, std::string(noun) + " " + what.number + " was " +
                                         std::string(name(static_cast<S>(first->to))) + " on " + formatTime(first->at) +
                                         "; " + std::string(name(to)) + " on " + formatTime(at) +
                                         " would be before that" + force);
  const Transition next{at, {hlc.last() + 1, node, seq + 1}, static_cast<int>(to), false};
  const Fit fit = kCase    ? fitCase(std::move(events), next)
                  : kVisit ? fitVisit(std::move(events), next)
                           : fitShipment(std::move(events), next);
  if (fit.ok) return {};
  const S then = static_cast<S>(fit.then);
  const std::string who = std::string(noun) + " " + what.number;
  if (fit.broken)
    return sync::fail(Errc::refused, who + ": " + std::string(name(to)) + " on " + formatTime(at) +
                                         " would break its later change to " +
                                         std::string(name(static_cast<S>(fit.broken->to))) + " on " +
                                         formatTime(fit.broken->at) + force);
  const auto next_ok = nextStatuses(then);
  if (next_ok.empty())
    return sync::fail(Errc::refused, who + " was " + std::string(name(then)) + " on " + formatTime(at) +
                                         ": its status cannot change after that" + force);
  return sync::fail(Errc::refused, who + ": cannot go from " + std::string(name(then)) + " to " +
                                       std::string(name(to)) + " on " + formatTime(at) +
                                       "; allowed next: " + nameList(next_ok, "none") + force);
}

template <class T>
Result<T> Node::Core::query(const std::function<Result<T>()>& body) {
  try {
    return body();
  } catch (const StoreError& e) {
    return e.error();
  }
}

template <class T>
Result<T> Node::Core::command(const std::function<Result<T>()>& body, bool commit) {
  std::uint64_t seq_before = seq;
  try {
    auto tx = store->transaction();  // rolled back unless committed below
    // Another process may have written since: take the sequence and clock
    // from the store, under the write lock, so no op id is ever reused.
    refresh();
    seq_before = seq;
    Result<T> r = body();
    if (!r || !commit) {
      seq = seq_before;
      return r;
    }
    store->setMeta("hlc", std::to_string(hlc.last()));
    if (seq != seq_before) store->setMeta("seq", std::to_string(seq));
    tx.commit();
    return r;
  } catch (const StoreError& e) {
    seq = seq_before;
    return e.error();
  }
}

inline sync::Error invalid(std::string_view field, std::string_view what) {
  return sync::fail(Errc::invalid_input, std::string(field) + ": " + std::string(what));
}
inline sync::Error refused(std::string message) { return sync::fail(Errc::refused, std::move(message)); }

}  // namespace fieldsync::node
