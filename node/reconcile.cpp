// Server reconciliation: business rules checked on merged data, and the
// exception queue (docs/reconciliation.md).
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "node/reconcile.h"

#include "node/internal/core.h"

namespace fieldsync::node {
namespace {

struct Violation {
  std::string kind;
  std::vector<Id> subjects;
  std::string subjects_text, detail, suggestion;
  std::int64_t evidence = 0;  // how many facts break the rule: more means new facts broke it again
  bool violated = false;
};

Id exceptionId(std::string_view kind, std::span<const Id> subjects) {
  std::string key(kind);
  for (const Id& s : subjects) key += std::string(s.view());
  return sync::naturalId("exception", {key});
}

std::string doc(Node::Core& core, const MoveRow& m) { return core.codeOf(EntityType::stock_doc, m.doc); }

constexpr std::int64_t kNamed = 5;  // movements named in a negative-stock exception's detail

}  // namespace

// Walks the ledger's blocks, not its movements: only blocks that go below
// zero are opened, to count (and name the first few of) those movements
// (docs/reconciliation.md).
Shortfall shortfall(Node::Core& core, const Id& item, const Id& loc) {
  Shortfall s;
  for (const LedgerBlock& b : core.store->ledger(item, loc)) {
    if (b.lowest(s.balance) < 0) {
      s.lowest = std::min(s.lowest, b.lowest(s.balance));
      // Movements out that left it below zero: before the block's first
      // count, running sums below -balance; after it, balances below zero.
      const Store::LedgerOuts outs = core.store->ledgerOuts(item, loc, b.start);
      const auto below = (std::lower_bound(outs.before.begin(), outs.before.end(), -s.balance) - outs.before.begin()) +
                         (std::lower_bound(outs.after.begin(), outs.after.end(), 0) - outs.after.begin());
      if (s.below < kNamed) {
        std::int64_t running = s.balance, n = s.below;
        for (const MoveRow& m : core.store->movesAt(item, loc, b.start, b.end)) {
          running = ledgerAfter(running, m, loc);
          if (running >= 0 || m.absolute || ledgerDelta(m, loc) >= 0) continue;
          if (!s.first_at) s.first_at = m.at;
          if (n++ < kNamed) s.named += (s.named.empty() ? "" : ", ") + doc(core, m) + " (" + formatTime(m.at) + ")";
        }
      }
      s.below += below;
    }
    s.balance = b.after(s.balance);
  }
  return s;
}

namespace {

// Stock of an item at a location, in business-time order, never below zero.
Violation negativeStock(Node::Core& core, const Id& item, const LocationRef& loc) {
  Violation v{"negative_stock", {item, loc.id}, core.codeOf(EntityType::item, item) + " at " + loc.code, {}, {}, 0, false};
  const Shortfall s = shortfall(core, item, loc.id);
  v.evidence = s.below;
  if (s.lowest < 0) {
    v.violated = true;
    const std::int64_t more = s.below - kNamed;
    v.detail = v.subjects_text + " went down to " + formatQty(s.lowest) + " in business-time order (now " +
               formatQty(s.balance) + "); " + std::to_string(s.below) + " movement" + (s.below == 1 ? "" : "s") +
               " took it below zero: " + s.named + (more > 0 ? " and " + std::to_string(more) + " more" : "");
    v.suggestion = "count " + loc.code + " and post an adjustment (resolve with --adjust), record the receipt that "
                   "is missing, or, if the stock came from elsewhere, resolve with --transfer-from that location";
  }
  return v;
}

// Stock at or above a threshold set for this location (docs/data-model.md,
// "Stock rules"; an item's own threshold, for every location, is for 'stock
// low' only): the balance now, so the answer is the same in any arrival
// order. The detail names no balance: movements while it stays low write nothing.
Violation lowStock(Node::Core& core, const Id& item, const LocationRef& loc, const StockPolicyView& p) {
  Violation v{"low_stock", {item, loc.id}, p.item + " at " + loc.code, {}, {}, 0, false};
  if (!p.own_threshold || p.low_stock <= 0 || shortfall(core, item, loc.id).balance >= p.low_stock) return v;
  v.violated = true;
  v.evidence = 1;
  v.detail = v.subjects_text + " holds less than its low-stock threshold of " + formatQty(p.low_stock) +
             " (the rule for " + p.low_stock_rule + ")";
  v.suggestion = "transfer or receive " + p.item + " into " + loc.code + " ('stock low' shows what it holds); this "
                 "closes by itself once " + loc.code + " holds " + formatQty(p.low_stock) + " again";
  return v;
}

// A serial is in one place: each movement leaves from where the last one put it.
Violation serialConflict(Node::Core& core, const Id& unit) {
  Violation v{"serial_conflict", {unit}, core.unitLabel(unit, " "), {}, {}, 0, false};
  const Id loss = core.locationId("LOSS");
  std::optional<Id> at;
  for (const MoveRow& m : core.unitTimeline(unit)) {
    // A count that found it elsewhere than where the ledger had it (not
    // missing) breaks the rule as a movement out of the wrong place does.
    const bool found = m.absolute && m.from == m.to;
    if (at && *at != m.from && !(found && *at == loss)) {
      v.violated = true;
      ++v.evidence;
      const std::string here = core.codeOf(EntityType::location, m.from), there = core.codeOf(EntityType::location, *at);
      v.detail += (v.detail.empty() ? "" : "; ") + doc(core, m) + (found ? " found it at " : " moved it out of ") + here +
                  " on " + formatTime(m.at) + " while it was " + (*at == loss ? "missing" : "at " + there);
    }
    at = m.to;
  }
  if (v.violated)
    v.suggestion = "find where " + v.subjects_text + " really is, then post the transfer that puts it there";
  return v;
}

// One serial registered by two nodes that disagree on what it is.
Violation duplicateRegistration(Node::Core& core, const Id& unit) {
  Violation v{"duplicate_registration", {unit}, core.unitLabel(unit, " "), {}, {}, 0, false};
  const auto claims = core.store->claims(unit);
  std::set<std::string> builds, customers;
  std::string said;
  for (const Store::Claim& c : claims) {
    if (!c.build_code.empty()) builds.insert(c.build_code);
    if (!c.customer.empty()) customers.insert(c.customer);
    said += (said.empty() ? "" : "; ") + std::string("node ") + c.node.hex().substr(0, 8) + " registered it with build " +
            (c.build_code.empty() ? "-" : c.build_code) + ", customer " + (c.customer.empty() ? "-" : c.customer);
  }
  if (builds.size() > 1 || customers.size() > 1) {
    v.violated = true;
    v.evidence = static_cast<std::int64_t>(claims.size());
    v.detail = std::to_string(claims.size()) + " registrations disagree: " + said + " (the last writer's values hold)";
    v.suggestion = "check the plate on the device, then register it again with the right build code and customer";
  }
  return v;
}

// Transit is conserved: what was sent arrives, within a time bound, and no
// more than was sent.
Violation transitConserved(Node::Core& core, const Id& doc, const std::vector<Store::TransitLine>& lines,
                           std::int64_t max_transit_ms) {
  Violation v{"transit_not_conserved", {doc}, "transfer " + core.codeOf(EntityType::stock_doc, doc), {}, {}, 0, false};
  std::string pending;  // sent, not arrived, not late yet: named beside what broke the rule
  for (const Store::TransitLine& l : lines) {
    std::string what = core.codeOf(EntityType::item, l.item);
    if (l.unit) what += " " + textOf(core.store->entity(EntityType::unit, *l.unit), unit_f::serial);
    if (l.open < 0) {
      v.detail += (v.detail.empty() ? "" : "; ") + formatQty(-l.open) + " " + what + " arrived that were never sent";
      ++v.evidence;
    } else if (core.now() - l.sent_at > max_transit_ms) {
      v.detail += (v.detail.empty() ? "" : "; ") + formatQty(l.open) + " " + what + " sent on " + formatTime(l.sent_at) +
                  " have not arrived";
      ++v.evidence;
    } else {
      pending += (pending.empty() ? "" : ", ") + formatQty(l.open) + " " + what;
    }
  }
  if (v.evidence) {
    v.violated = true;
    if (!pending.empty()) v.detail += "; still in transit: " + pending;
    v.suggestion = "find the goods: record their arrival, or write the loss off with an adjustment at the transit location";
  }
  return v;
}

template <class Status>
std::vector<std::string> skippedText(const Folded& f) {
  std::vector<std::string> out;
  for (const Folded::Skipped& k : f.skipped)
    out.push_back(std::string(name(static_cast<Status>(k.to))) + " on " + formatTime(k.at) + " after " +
                  std::string(name(static_cast<Status>(k.from))) + (k.kept ? " (forced: kept)" : ""));
  return out;
}

void describe(Violation& v, const std::vector<std::string>& problems, std::string_view merged, std::string suggestion) {
  v.evidence = static_cast<std::int64_t>(problems.size());
  if (problems.empty()) return;
  v.violated = true;
  v.detail = "the merged history is " + std::string(merged) + "; illegal once merged: ";
  for (std::size_t i = 0; i < problems.size(); ++i) v.detail += (i ? "; " : "") + problems[i];
  v.suggestion = std::move(suggestion);
}

// Case transitions that are illegal once merged, and parts used after the end.
Violation caseConflict(Node::Core& core, const Id& id) {
  const Attributes c = core.store->entity(EntityType::service_case, id);
  Violation v{"case_conflict", {id}, "case " + textOf(c, case_f::number), {}, {}, 0, false};
  const Folded f = foldCase(core.transitions(FactKind::case_transition, id));
  const auto status = static_cast<CaseStatus>(f.status);
  std::vector<std::string> problems = skippedText<CaseStatus>(f);
  if (status == CaseStatus::closed || status == CaseStatus::cancelled)
    for (const MoveRow& m : core.store->movesOfCase(id))
      if (m.at > f.last_at)
        problems.push_back("part " + doc(core, m) + " used on " + formatTime(m.at) + " after the case ended");
  describe(v, problems, name(status),
           "decide the outcome with the technician and dispatcher, then set the case's status; reverse parts that "
           "were not used");
  return v;
}

Violation shipmentConflict(Node::Core& core, const Id& id) {
  const Attributes s = core.store->entity(EntityType::shipment, id);
  Violation v{"shipment_conflict", {id}, "shipment " + textOf(s, shipment_f::number), {}, {}, 0, false};
  const Folded f = foldShipment(core.transitions(FactKind::tracking, id));
  describe(v, skippedText<ShipmentStatus>(f), name(static_cast<ShipmentStatus>(f.status)),
           "confirm with the driver what happened to the goods, then record it");
  return v;
}

// A part used on a case comes from the van of a technician who visits it,
// judged by who held the van when the part was taken (its business time).
Violation vanMismatch(Node::Core& core, const Id& case_id, const LocationRef& van) {
  const Attributes c = core.store->entity(EntityType::service_case, case_id);
  Violation v{"van_mismatch", {case_id, van.id}, "case " + textOf(c, case_f::number) + ", van " + van.code, {}, {}, 0,
              false};
  // People's names compare as codes do: "Alice" and "alice " are one technician.
  std::set<std::string> technicians, keys;
  for (const Id& visit : core.store->findEntities(EntityType::visit, visit_f::service_case,
                                                  sync::Blob{std::string(case_id.view())})) {
    const std::string who = textOf(core.store->entity(EntityType::visit, visit), visit_f::technician);
    technicians.insert(who);
    keys.insert(sync::normaliseSerial(who));
  }
  if (technicians.empty()) return v;
  for (const MoveRow& m : core.store->movesOfCase(case_id)) {
    if (m.from != van.id) continue;
    const std::string holder = core.technicianAt(van.id, m.at);
    if (keys.contains(sync::normaliseSerial(holder))) continue;
    ++v.evidence;
    v.detail += (v.detail.empty() ? "" : "; ") + doc(core, m) + " on " + formatTime(m.at) + " while it was " + holder +
                "'s";
  }
  if (v.evidence) {
    v.violated = true;
    std::string who;
    for (const auto& t : technicians) who += (who.empty() ? "" : ", ") + t;
    v.detail = std::to_string(v.evidence) + " part(s) came from " + van.code + ": " + v.detail +
               "; the case's visits are " + who + "'s";
    v.suggestion = "record a handover between the technicians' vans, or correct the visit";
  }
  return v;
}

// Postings dated inside a closed period that reached the server after the
// close (offline work, or --force): kept, and shown to the back office with
// the correction to post (docs/reconciliation.md, closed_period). Raised
// only: the facts stay in the closed period.
Violation closedPeriod(Node::Core& core, const Id& doc, const Id& location, const Node::Core::Closed& closed) {
  Violation v{"closed_period", {doc, location},
              core.codeOf(EntityType::stock_doc, doc) + " at " + core.codeOf(EntityType::location, location), {}, {},
              0, true};
  std::vector<std::int64_t> dates;
  for (FactKind k : {FactKind::stock_move, FactKind::stock_count})
    for (const Op& f : core.store->facts(k, doc)) {
      const Attributes a = fieldsOf(f);
      const std::int64_t at = intOf(a, fact_f::at);
      if (at < closed.until && (idOf(a, fact_f::from) == location || idOf(a, fact_f::to) == location))
        dates.push_back(at);
    }
  v.evidence = std::max<std::int64_t>(1, static_cast<std::int64_t>(dates.size()));
  const std::string through = closed.lastDay();
  v.detail = std::to_string(v.evidence) + " posting(s) dated " +
             (dates.empty() ? std::string("inside it") : formatTime(*std::min_element(dates.begin(), dates.end()))) +
             " arrived after " + closed.name() + " was closed through " + through;
  v.suggestion = "post a correction dated after " + through +
                 " (an adjustment or a transfer) if the closed figures must change, then resolve this with a note";
  return v;
}

}  // namespace

// Writes what changed about one exception: raise, reopen with new
// evidence, refresh, or close when the rule holds again.
static std::uint64_t settle(Node::Core& core, const Violation& v) {
  const Id id = exceptionId(v.kind, v.subjects);
  const Attributes old = core.store->entity(EntityType::exception, id);
  const std::string status = textOf(old, exception_f::status);
  const std::int64_t evidence = intOf(old, exception_f::evidence, -1);
  std::vector<Field> f;
  if (v.violated) {
    if (old.empty()) {
      f = {{exception_f::number, "X-" + id.hex().substr(0, 10)}, {exception_f::kind, v.kind},
           {exception_f::subjects, v.subjects_text}, idsField(exception_f::subject_ids, v.subjects),
           {exception_f::raised_at, core.now()}};
    }
    const bool reopen = status == "resolved" && v.evidence > evidence;
    if (old.empty() || reopen || (status == "open" && (v.evidence != evidence ||
                                                       textOf(old, exception_f::detail) != v.detail))) {
      f.insert(f.end(), {{exception_f::status, std::string("open")}, {exception_f::detail, v.detail},
                         {exception_f::suggestion, v.suggestion}, {exception_f::evidence, v.evidence}});
      const std::string no_note;  // reopened: the old resolution no longer holds
      if (reopen) f.push_back({exception_f::note, Value{no_note}});
    }
  } else if (status == "open") {
    f = {{exception_f::status, std::string("resolved")},
         {exception_f::note, std::string("the rule holds again after new facts")},
         {exception_f::evidence, v.evidence}};
  } else if (!old.empty() && v.evidence != evidence) {
    // Resolved, and the rule holds again (a retroactive transfer, say): from
    // now on, any new breach is new evidence.
    f = {{exception_f::evidence, v.evidence}};
  }
  if (f.empty()) return 0;
  core.emit(EntityType::exception, id, FactKind::none, std::move(f));
  return 1;
}

Reconciler::Reconciler(Node& node) : core_(*node.core_) {}

Result<std::uint64_t> Reconciler::reconcile(std::span<const Op> ops, std::int64_t max_transit_ms) {
  return core_.command<std::uint64_t>([&]() -> Result<std::uint64_t> {
    std::set<std::pair<Id, Id>> stock, vans;  // (item, location), (case, van)
    std::set<Id> units, cases, shipments, registered, transfers;
    std::set<Id> rule_items;             // an item's threshold or negative rule changed: everywhere it is
    std::set<std::int64_t> rule_kinds;  // a kind's negative rule changed: every location of the kind
    // (document, location) posted inside a close that came before it: a
    // close later in the same batch (a replica rebuilt from the log) is not.
    std::map<std::pair<Id, Id>, Node::Core::Closed> closed;
    std::map<Id, std::size_t> last_close;
    const bool any_close = !core_.store->entityIds(EntityType::period).empty();
    for (std::size_t i = 0; i < ops.size(); ++i)
      if (ops[i].entity_type == EntityType::period) last_close[ops[i].entity] = i;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      const Attributes a = fieldsOf(op);
      if (any_close && (op.fact == FactKind::stock_move || op.fact == FactKind::stock_count))
        for (FieldId f : {fact_f::from, fact_f::to})
          if (const auto loc = idOf(a, f))
            if (auto c = core_.closedAt(*loc, intOf(a, fact_f::at))) {
              const auto later = last_close.find(core_.periodId(c->branch));
              if (later == last_close.end() || later->second < i) closed.try_emplace({op.entity, *loc}, *c);
            }
      if (op.fact == FactKind::stock_move) {
        const auto item = idOf(a, fact_f::item), from = idOf(a, fact_f::from), to = idOf(a, fact_f::to);
        if (item && from) stock.insert({*item, *from});
        if (item && to) stock.insert({*item, *to});
        if (auto u = idOf(a, fact_f::unit)) units.insert(*u);
        const auto kind = static_cast<MoveKind>(intOf(a, fact_f::move_kind));
        if (kind == MoveKind::transit_out || kind == MoveKind::transit_in) transfers.insert(op.entity);
        if (auto c = idOf(a, fact_f::service_case)) {
          cases.insert(*c);
          if (from) vans.insert({*c, *from});
        }
      } else if (op.fact == FactKind::stock_count) {
        if (const auto item = idOf(a, fact_f::item), at = idOf(a, fact_f::to); item && at) {
          stock.insert({*item, *at});
          const std::int64_t when = intOf(a, fact_f::at, static_cast<std::int64_t>(sync::hlcMillis(op.hlc)));
          for (const Id& u : core_.store->unitsBefore(*item, *at, {when, op.hlc, op.id})) units.insert(u);
          for (const Id& u : idsOf(a, fact_f::units)) units.insert(u);
        }
      } else if (op.fact == FactKind::case_transition) {
        cases.insert(op.entity);
      } else if (op.fact == FactKind::tracking) {
        shipments.insert(op.entity);
      } else if (op.fact == FactKind::assignment) {  // a van changed hands: every case it supplied
        for (const Id& c : core_.store->casesSupplied(op.entity)) vans.insert({c, op.entity});
      } else if (op.entity_type == EntityType::stock_rule) {  // the (item, location)s the rule is for
        const Attributes rule = core_.store->entity(EntityType::stock_rule, op.entity);
        const auto item = idOf(rule, stock_rule_f::item), location = idOf(rule, stock_rule_f::location);
        if (item && location) stock.insert({*item, *location});
        else if (item) rule_items.insert(*item);
        else if (rule.count(stock_rule_f::kind)) rule_kinds.insert(intOf(rule, stock_rule_f::kind));
      } else if (op.entity_type == EntityType::item && !op.isFact() && a.count(item_f::low_stock)) {
        rule_items.insert(op.entity);
      } else if (op.entity_type == EntityType::location && !op.isFact()) {  // its kind or rule may be new here
        for (const Id& item : core_.store->itemsAt(op.entity)) stock.insert({item, op.entity});
        for (const Id& c : core_.store->casesSupplied(op.entity)) vans.insert({c, op.entity});
      } else if (op.entity_type == EntityType::service_case && !op.isFact()) {
        cases.insert(op.entity);
        for (const MoveRow& m : core_.store->movesOfCase(op.entity)) vans.insert({op.entity, m.from});
      } else if (op.entity_type == EntityType::shipment && !op.isFact()) {
        shipments.insert(op.entity);
      } else if (op.entity_type == EntityType::unit && !op.isFact() && flagOf(a, unit_f::registered)) {
        registered.insert(op.entity);
      } else if (op.entity_type == EntityType::visit) {
        const auto c = idOf(core_.store->entity(EntityType::visit, op.entity), visit_f::service_case);
        if (c)
          for (const MoveRow& m : core_.store->movesOfCase(*c)) vans.insert({*c, m.from});
      }
    }
    if (!rule_items.empty() || !rule_kinds.empty()) {  // one pass over the balances for every such rule
      std::map<Id, std::int64_t> kinds;
      for (const StoredBalance& b : core_.store->balances(true)) {
        auto [k, fresh] = kinds.try_emplace(b.location, -1);
        if (fresh) k->second = intOf(core_.store->entity(EntityType::location, b.location), location_f::kind, -1);
        if (rule_items.count(b.item) || rule_kinds.count(k->second)) stock.insert({b.item, b.location});
      }
    }
    std::uint64_t written = 0;
    for (const auto& [item, location] : stock) {
      auto loc = core_.locationById(location);
      if (!loc || !holdsStock(loc->kind)) continue;
      const StockPolicyView p = core_.stockPolicy(item, *loc);
      // Where stock may go below zero, the rule does not apply (an open exception closes).
      written += settle(core_, p.allow_negative ? Violation{"negative_stock", {item, loc->id}, {}, {}, {}, 0, false}
                                                : negativeStock(core_, item, *loc));
      if (loc->kind != LocationKind::transit) written += settle(core_, lowStock(core_, item, *loc, p));
    }
    for (const Id& u : units) written += settle(core_, serialConflict(core_, u));
    for (const Id& u : registered) written += settle(core_, duplicateRegistration(core_, u));
    for (const Id& d : transfers)
      written += settle(core_, transitConserved(core_, d, core_.store->unbalancedTransit(d), max_transit_ms));
    for (const Id& c : cases)
      if (!core_.store->entity(EntityType::service_case, c).empty()) written += settle(core_, caseConflict(core_, c));
    for (const Id& s : shipments)
      if (!core_.store->entity(EntityType::shipment, s).empty()) written += settle(core_, shipmentConflict(core_, s));
    for (const auto& [key, c] : closed) written += settle(core_, closedPeriod(core_, key.first, key.second, c));
    for (const auto& [c, van] : vans) {
      auto loc = core_.locationById(van);
      if (loc && loc->kind == LocationKind::van && !core_.store->entity(EntityType::service_case, c).empty())
        written += settle(core_, vanMismatch(core_, c, *loc));
    }
    return written;
  });
}

Result<std::uint64_t> Reconciler::sweepTransit(std::int64_t max_transit_ms) {
  return core_.command<std::uint64_t>([&]() -> Result<std::uint64_t> {
    std::map<Id, std::vector<Store::TransitLine>> by_doc;
    for (Store::TransitLine& l : core_.store->unbalancedTransit(std::nullopt)) by_doc[l.doc].push_back(std::move(l));
    std::uint64_t written = 0;
    for (const auto& [doc, lines] : by_doc) written += settle(core_, transitConserved(core_, doc, lines, max_transit_ms));
    return written;
  });
}

Result<std::uint64_t> Reconciler::raise(const Raise& x) {
  return core_.command<std::uint64_t>([&]() -> Result<std::uint64_t> {
    return settle(core_, {x.kind, x.subjects, x.subjects_text, x.detail, x.suggestion, x.evidence, true});
  });
}

}  // namespace fieldsync::node
