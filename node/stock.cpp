// Stock movements, documents, balances.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "node/stock.h"

#include "node/internal/core.h"

namespace fieldsync::node {

Result<std::vector<MoveLine>> Node::Core::lines(const ItemRef& item, std::optional<std::int64_t> qty,
                                                const std::vector<std::string>& serials, bool register_unknown) {
  std::vector<MoveLine> out;
  if (!item.serial_tracked) {
    if (!serials.empty()) return invalid("--serial", "item " + item.code + " is not tracked by serial; use --qty");
    if (!qty || *qty <= 0) return invalid("--qty", "give a quantity above 0 of " + item.code);
    out.push_back({item.id, item.code, *qty, std::nullopt, {}});
    return out;
  }
  if (serials.empty()) return invalid("--serial", "item " + item.code + " is tracked by serial: give --serial for each unit");
  if (qty && *qty != static_cast<std::int64_t>(serials.size()) * 1000)
    return invalid("--qty", "is " + formatQty(*qty) + " but " + std::to_string(serials.size()) + " serials are given");
  std::set<std::string> seen;
  for (const std::string& raw : serials) {
    auto checked = fieldCode("--serial", raw, "a serial is empty");
    if (!checked) return checked.error();
    const std::string& serial = *checked;
    if (!seen.insert(serial).second) return invalid("--serial", serial + " is listed twice");
    const Id unit = sync::unitId(company, item.id, serial);
    if (store->entity(EntityType::unit, unit).empty()) {
      if (!register_unknown)
        return sync::fail(Errc::not_found, "--serial: " + serial + " is not a registered unit of " + item.code);
      emit(EntityType::unit, unit, FactKind::none,
           {idField(unit_f::item, item.id), {unit_f::serial, serial}, {unit_f::registered, true}});
    }
    out.push_back({item.id, item.code, 1000, unit, serial});
  }
  return out;
}

sync::Status Node::Core::checkMoves(const LocationRef& from, const std::vector<MoveLine>& lines, std::int64_t at) {
  const bool stock_source = holdsStock(from.kind);
  for (const MoveLine& l : lines) {
    if (!l.unit) continue;
    const auto place = store->unitPlace(*l.unit);
    std::string where = place ? "at " + codeOf(EntityType::location, place->location) : "nowhere known";
    if (place && place->by_count && place->location == locationId("LOSS"))
      where = "missing since a count on " + formatTime(place->at);
    if (place && at < place->at)
      return refused("serial " + l.serial + " last moved at " + formatTime(place->at) +
                     "; a movement of it cannot be dated before that; use --force to record it anyway");
    if (stock_source && (!place || place->location != from.id))
      return refused("serial " + l.serial + " is " + where + ", not at " + from.code +
                     "; use --force to record it anyway");
    if (!stock_source && place) {
      auto there = locationById(place->location);
      if (there && holdsStock(there->kind))
        return refused("serial " + l.serial + " is already in stock " + where + "; use --force to record it anyway");
    }
  }
  if (stock_source) {
    std::map<Id, std::pair<std::string, std::int64_t>> wanted;  // by item
    for (const MoveLine& l : lines) {
      auto& w = wanted[l.item];
      w.first = l.item_code;
      w.second += l.qty;
    }
    // At its business time and at every later point of the ledger: the
    // rule the server checks (docs/reconciliation.md). The new movement
    // sorts after every other one at the same time.
    const LedgerKey key{at, std::numeric_limits<sync::HlcTime>::max(), {}};
    for (const auto& [item, w] : wanted) {
      if (stockPolicy(item, from).allow_negative) continue;
      const Store::LedgerFrom l = store->ledgerFrom(item, from.id, key);
      if (l.before < w.second)
        return refused("stock: " + from.code + " holds " + formatQty(l.before) + " of " + w.first + ", " +
                       formatQty(w.second) + " requested; use --force to record it anyway");
      if (l.lowest_after && *l.lowest_after < w.second)
        return refused("stock: " + from.code + " holds " + formatQty(l.before) + " of " + w.first + " on " +
                       formatTime(at) + ", but a later movement leaves " + formatQty(*l.lowest_after) + " on " +
                       formatTime(l.lowest_at) + "; " + formatQty(w.second) +
                       " requested would take it below zero then; use --force to record it anyway");
    }
  }
  return {};
}

Result<MovePosted> Node::Core::postMoves(MoveKind kind, const LocationRef& from, const LocationRef& to,
                                    const std::vector<MoveLine>& lines, std::int64_t at, const MoveContext& ctx) {
  if (from.id == to.id) return invalid("--to", "is the same location as --from (" + from.code + ")");
  auto moveFields = [&](const MoveLine& l) {
    std::vector<Field> f{{fact_f::at, at},
                         idField(fact_f::item, l.item),
                         idField(fact_f::from, from.id),
                         idField(fact_f::to, to.id),
                         {fact_f::qty, l.qty},
                         {fact_f::move_kind, static_cast<std::int64_t>(kind)}};
    if (l.unit) f.push_back(idField(fact_f::unit, *l.unit));
    if (ctx.service_case) f.push_back(idField(fact_f::service_case, *ctx.service_case));
    if (ctx.shipment) f.push_back(idField(fact_f::shipment, *ctx.shipment));
    if (ctx.force) f.push_back({fact_f::forced, true});
    return f;
  };
  // Outside the device's rights is said before what the stock holds: the
  // device may not hold that ledger at all (docs/scopes.md).
  if (principal && !lines.empty())
    if (auto ok = checkRights(*this, *principal, {{node, seq + 1}, 0, EntityType::stock_doc, Id{},
                                                  FactKind::stock_move, moveFields(lines[0])});
        !ok)
      return ok.error();
  // A driver's device holds no warehouse's ledger: the server checks what
  // its dispatches take (docs/scopes.md).
  if (!ctx.force)
    if (auto ok = checkOpenPeriod({&from, &to}, at); !ok) return ok.error();
  if (!ctx.force && !(principal && principal->role == "driver")) {
    if (auto ok = checkMoves(from, lines, at); !ok) return ok.error();
  }
  Id doc;
  std::string number;
  if (ctx.doc) {
    doc = *ctx.doc;
    number = codeOf(EntityType::stock_doc, doc);
  } else {
    doc = new_id();
    number = nextNumber("D");
    std::vector<Field> head{{doc_f::number, number}, {doc_f::kind, static_cast<std::int64_t>(kind)}};
    if (!ctx.reason.empty()) head.push_back({doc_f::reason, ctx.reason});
    emit(EntityType::stock_doc, doc, FactKind::none, std::move(head));
  }
  std::int64_t total = 0;
  for (const MoveLine& l : lines) {
    emit(EntityType::stock_doc, doc, FactKind::stock_move, moveFields(l));
    total += l.qty;
  }
  std::set<std::string> items;
  for (const MoveLine& l : lines) items.insert(l.item_code);
  const auto serials = std::count_if(lines.begin(), lines.end(), [](const MoveLine& l) { return l.unit.has_value(); });
  return MovePosted{doc,      number, kind,  {items.begin(), items.end()}, from.code, to.code, total,
                    serials, at,     ctx.force};
}

namespace {
// The location a movement kind uses when the user names none.
std::string_view defaultFrom(MoveKind k) {
  switch (k) {
    case MoveKind::receipt: return "SUPPLIER";
    case MoveKind::customer_return: return "CUSTOMER";
    default: return {};
  }
}
std::string_view defaultTo(MoveKind k) {
  switch (k) {
    case MoveKind::issue: return "CUSTOMER";
    case MoveKind::transit_out: return "TRANSIT";
    case MoveKind::scrap: return "SCRAP";
    case MoveKind::consumption: return "CONSUMED";
    default: return {};
  }
}
}  // namespace

Stock::Stock(Node& node) : core_(*node.core_) {}

Result<MovePosted> Stock::move(const MoveSpec& spec) {
  auto reason = fieldText("--reason", spec.reason, kMaxNameBytes,
                          spec.kind == MoveKind::adjustment ? "an adjustment needs a reason" : "");
  if (!reason) return reason.error();
  return core_.command<MovePosted>([&]() -> Result<MovePosted> {
    auto item = core_.item(spec.item);
    if (!item) return item.error();
    const std::string from_code = spec.from.empty() ? std::string(defaultFrom(spec.kind)) : spec.from;
    const std::string to_code = spec.to.empty() ? std::string(defaultTo(spec.kind)) : spec.to;
    if (from_code.empty()) return invalid("--from", "name the location the stock leaves");
    if (to_code.empty()) return invalid("--to", "name the location the stock goes to");
    auto from = core_.location(from_code);
    if (!from) return from.error();
    auto to = core_.location(to_code);
    if (!to) return to.error();
    if (spec.kind == MoveKind::transit_out && to->kind != LocationKind::transit)
      return invalid("--via", to->code + " is a " + std::string(name(to->kind)) + ", not a transit location");
    // A transit location holds what is on its way (docs/data-model.md, conservation on transfers): stock
    // enters it by a dispatch and leaves it by an arrival; only an adjustment writes off what was lost there.
    if (spec.kind != MoveKind::adjustment && from->kind == LocationKind::transit)
      return invalid("--from", from->code + " is a transit location: its stock leaves by an arrival (stock arrive)");
    if (spec.kind != MoveKind::adjustment && spec.kind != MoveKind::transit_out && to->kind == LocationKind::transit)
      return invalid("--to", to->code + " is a transit location: stock enters it by a dispatch (stock send)");
    // Unknown serials are registered when they are received from a supplier,
    // or when the movement is forced: the field saw the device. A customer
    // return (RMA) takes back a unit we know (docs/data-model.md).
    auto lines = core_.lines(*item, spec.qty, spec.serials, spec.kind == MoveKind::receipt || spec.force);
    if (!lines) return lines.error();
    const auto at = core_.businessTime(spec.at);
    if (!at) return at.error();
    return core_.postMoves(spec.kind, *from, *to, *lines, *at, {{}, {}, {}, *reason, spec.force});
  });
}

Result<MovePosted> Stock::arrive(const ArrivalSpec& spec) {
  return core_.command<MovePosted>([&]() -> Result<MovePosted> {
    auto doc = core_.findNumbered(EntityType::stock_doc, doc_f::number, spec.transfer, "transfer");
    if (!doc) return doc.error();
    auto to = core_.location(spec.to);
    if (!to) return to.error();
    // What is still in transit: sent minus arrived, per (item, unit).
    std::map<std::pair<Id, std::optional<Id>>, std::int64_t> open;
    std::optional<Id> transit;
    for (const MoveRow& m : core_.store->movesOfDoc(doc->id)) {
      if (m.kind == MoveKind::transit_out) {
        open[{m.item, m.unit}] += m.qty;
        transit = m.to;
      } else if (m.kind == MoveKind::transit_in) {
        open[{m.item, m.unit}] -= m.qty;
      }
    }
    if (!transit) return refused("transfer " + doc->number + " sent nothing into transit");
    auto via = core_.locationById(*transit);
    if (!via) return via.error();
    const std::string force = "; use --force to record what arrived anyway";
    // The item meant: named, or the one item of the kind the transfer holds.
    auto itemOf = [&](bool serial_tracked) -> Result<ItemRef> {
      if (!spec.item.empty()) return core_.item(spec.item);
      std::set<Id> kinds;
      for (const auto& [key, qty] : open)
        if (key.second.has_value() == serial_tracked) kinds.insert(key.first);
      if (kinds.size() != 1)
        return invalid("--item", "transfer " + doc->number + " holds " + std::to_string(kinds.size()) +
                                     " items of this kind; name the one that arrived");
      return core_.item(core_.codeOf(EntityType::item, *kinds.begin()));
    };
    std::vector<MoveLine> lines;
    if (spec.serials.empty() && !spec.qty) {
      for (const auto& [key, qty] : open) {
        if (qty <= 0) continue;
        std::string serial;
        if (key.second) serial = textOf(core_.store->entity(EntityType::unit, *key.second), unit_f::serial);
        lines.push_back({key.first, core_.codeOf(EntityType::item, key.first), qty, key.second, serial});
      }
      if (lines.empty()) return refused("transfer " + doc->number + ": everything sent has already arrived");
    }
    if (!spec.serials.empty()) {
      auto item = itemOf(true);
      if (!item) return item.error();
      auto arrived = core_.lines(*item, std::nullopt, spec.serials, spec.force);
      if (!arrived) return arrived.error();
      for (const MoveLine& l : *arrived)
        if (!spec.force && open[{l.item, l.unit}] <= 0)
          return refused("serial " + l.serial + " is not in transit on transfer " + doc->number + force);
      lines.insert(lines.end(), arrived->begin(), arrived->end());
    }
    if (spec.qty) {
      auto item = itemOf(false);
      if (!item) return item.error();
      auto arrived = core_.lines(*item, spec.qty, {}, false);
      if (!arrived) return arrived.error();
      const std::int64_t in_transit = open[{item->id, std::nullopt}];
      if (!spec.force && *spec.qty > in_transit)
        return refused("transfer " + doc->number + " has " + formatQty(std::max<std::int64_t>(in_transit, 0)) + " of " +
                       item->code + " in transit, " + formatQty(*spec.qty) + " arrived" + force);
      lines.insert(lines.end(), arrived->begin(), arrived->end());
    }
    const auto when = core_.businessTime(spec.at);
    if (!when) return when.error();
    return core_.postMoves(MoveKind::transit_in, *via, *to, lines, *when, {doc->id, {}, {}, {}, spec.force});
  });
}

Result<CountPosted> Stock::count(const CountSpec& spec) {
  if (spec.qty && *spec.qty < 0) return invalid("--qty", "a count cannot be negative");
  return core_.command<CountPosted>([&]() -> Result<CountPosted> {
    auto item = core_.item(spec.item);
    if (!item) return item.error();
    auto where = core_.location(spec.location);
    if (!where) return where.error();
    if (!holdsStock(where->kind)) return invalid("--location", where->code + " does not hold stock");
    std::vector<MoveLine> found;
    if (item->serial_tracked && spec.serials.empty() && spec.qty != 0)
      return invalid("--serial", "item " + item->code +
                                     " is tracked by serial: give --serial for each unit found, or --qty 0 when none was");
    if (spec.serials.size() > kMaxCountSerials)
      return invalid("--serial", std::to_string(spec.serials.size()) + " serials in one count; at most " +
                                     std::to_string(kMaxCountSerials) + " fit one change (" +
                                     std::to_string(kMaxOpBytes) + " bytes)");
    if (item->serial_tracked && !spec.serials.empty()) {
      auto lines = core_.lines(*item, spec.qty, spec.serials, spec.force);
      if (!lines) return lines.error();
      found = std::move(*lines);
    } else if (!item->serial_tracked) {
      if (!spec.serials.empty()) return invalid("--serial", "item " + item->code + " is not tracked by serial; use --qty");
      if (!spec.qty) return invalid("--qty", "give the quantity of " + item->code + " found");
    }
    const std::int64_t counted = item->serial_tracked ? static_cast<std::int64_t>(found.size()) * 1000 : *spec.qty;
    const auto when = core_.businessTime(spec.at);
    if (!when) return when.error();
    if (!spec.force)
      if (auto ok = core_.checkOpenPeriod({&*where}, *when); !ok) return ok.error();
    // Where it falls in the ledger: after every row at the same time.
    const LedgerKey key{*when, std::numeric_limits<sync::HlcTime>::max(), {}};
    const Store::LedgerFrom l = core_.store->ledgerFrom(item->id, where->id, key);
    if (!spec.force && !core_.stockPolicy(item->id, *where).allow_negative && l.lowest_after && *l.lowest_after - l.before + counted < 0)
      return refused("stock: with " + formatQty(counted) + " counted on " + formatTime(*when) + ", a later movement would leave " +
                     formatQty(*l.lowest_after - l.before + counted) + " of " + item->code + " at " + where->code +
                     " on " + formatTime(l.lowest_at) + "; use --force to record it anyway");
    std::vector<Id> units;
    for (const MoveLine& line : found) {
      units.push_back(*line.unit);
      if (spec.force) continue;
      std::optional<Id> then;  // where the serial was at the count's time
      for (const MoveRow& m : core_.unitTimeline(*line.unit))
        if (less(keyOf(m), key)) then = m.to;
      if (then && *then != where->id && *then != core_.locationId("LOSS"))
        return refused("serial " + line.serial + " was at " + core_.codeOf(EntityType::location, *then) + " on " +
                       formatTime(*when) + ", not at " + where->code + "; use --force to record it found here");
    }
    const Id doc = core_.new_id();
    const std::string number = core_.nextNumber("D");
    core_.emit(EntityType::stock_doc, doc, FactKind::none,
               {{doc_f::number, number}, {doc_f::kind, static_cast<std::int64_t>(MoveKind::count)}});
    std::vector<Field> f{{fact_f::at, *when}, idField(fact_f::item, item->id), idField(fact_f::to, where->id),
                         {fact_f::counted, counted}};
    if (item->serial_tracked) f.push_back(idsField(fact_f::units, units));
    if (spec.force) f.push_back({fact_f::forced, true});
    const Op op = core_.emit(EntityType::stock_doc, doc, FactKind::stock_count, std::move(f));
    CountPosted posted{doc, number, item->code, where->code, counted, counted - l.before, {}, *when, spec.force};
    for (const Id& u : core_.store->unitsBefore(item->id, where->id, {*when, op.hlc, op.id}))
      for (const MoveRow& m : core_.unitTimeline(u))
        if (m.op == op.id && m.to != where->id)
          posted.missing.push_back(textOf(core_.store->entity(EntityType::unit, u), unit_f::serial));
    std::sort(posted.missing.begin(), posted.missing.end());
    return posted;
  });
}

Result<std::vector<LedgerRow>> Stock::ledger(std::string_view item_code, std::string_view location_code) {
  return core_.query<std::vector<LedgerRow>>([&]() -> Result<std::vector<LedgerRow>> {
    auto item = core_.item(item_code);
    if (!item) return item.error();
    auto where = core_.location(location_code);
    if (!where) return where.error();
    std::vector<LedgerRow> out;
    std::int64_t balance = 0;
    for (const MoveRow& m : core_.store->movesAt(item->id, where->id, LedgerKey{}, kEndOfLedger)) {
      const std::int64_t after = ledgerAfter(balance, m, where->id);
      out.push_back({m.at, core_.codeOf(EntityType::stock_doc, m.doc), m.kind, m.absolute ? 0 : after - balance,
                     m.absolute ? std::optional<std::int64_t>(m.qty) : std::nullopt, after,
                     m.absolute ? after - balance : 0, m.forced});
      balance = after;
    }
    return out;
  });
}

Result<std::vector<BalanceRow>> Stock::balances(std::string_view item_code, std::string_view location_code,
                                                bool empty) {
  return core_.query<std::vector<BalanceRow>>([&]() -> Result<std::vector<BalanceRow>> {
    std::optional<Id> item, location;
    if (!item_code.empty()) {
      auto i = core_.item(item_code);
      if (!i) return i.error();
      item = i->id;
    }
    if (!location_code.empty()) {
      auto l = core_.location(location_code);
      if (!l) return l.error();
      location = l->id;
    }
    std::vector<BalanceRow> out;
    std::map<Id, std::optional<LocationRef>> locs;
    for (const StoredBalance& b : core_.store->balances(empty)) {
      if ((item && b.item != *item) || (location && b.location != *location)) continue;
      auto [it, fresh] = locs.try_emplace(b.location);
      if (fresh) {
        auto l = core_.locationById(b.location);
        if (l) it->second = *l;
      }
      if (!it->second || !holdsStock(it->second->kind)) continue;
      BalanceRow row{core_.codeOf(EntityType::item, b.item), it->second->code, b.qty, std::nullopt, 0};
      if (const auto c = core_.store->lastCount(b.item, b.location)) {
        row.counted_at = c->at;
        row.variance = c->qty - core_.store->ledgerFrom(b.item, b.location, {c->at, c->hlc, c->op}).before;
      }
      out.push_back(std::move(row));
    }
    std::sort(out.begin(), out.end(), [](const BalanceRow& x, const BalanceRow& y) {
      return std::tie(x.item, x.location) < std::tie(y.item, y.location);
    });
    return out;
  });
}

namespace {

std::optional<std::int64_t> setInt(const Attributes& a, FieldId f) {
  auto it = a.find(f);
  if (it == a.end() || !std::holds_alternative<std::int64_t>(it->second)) return std::nullopt;
  return std::get<std::int64_t>(it->second);
}
std::optional<bool> setFlag(const Attributes& a, FieldId f) {
  auto it = a.find(f);
  if (it == a.end() || !std::holds_alternative<bool>(it->second)) return std::nullopt;
  return std::get<bool>(it->second);
}

}  // namespace

Id Node::Core::stockRuleId(const std::optional<Id>& item, const std::optional<Id>& location,
                           std::optional<LocationKind> kind) const {
  return sync::naturalId("stock_rule", {company.view(), item ? item->view() : std::string_view{},
                                        location ? location->view() : std::string_view{},
                                        kind ? name(*kind) : std::string_view{}});
}

// The order is docs/data-model.md's ("Stock rules"): the item's rule at the
// location, the location's own flag, the item's rule, the kind's, refused.
StockPolicyView Node::Core::stockPolicy(const Id& item, const LocationRef& at) {
  StockPolicyView p;
  p.item = codeOf(EntityType::item, item);
  p.location = at.code;
  const std::string here = "item " + p.item + " at " + at.code, anywhere = "item " + p.item;
  const Attributes rule = store->entity(EntityType::stock_rule, stockRuleId(item, at.id, std::nullopt));
  if (const auto low = setInt(rule, stock_rule_f::low_stock)) {
    p.low_stock = *low;
    p.low_stock_rule = here;
    p.own_threshold = true;
  } else if ((p.low_stock = intOf(store->entity(EntityType::item, item), item_f::low_stock)) > 0) {
    p.low_stock_rule = anywhere;
  }
  const std::pair<std::optional<bool>, std::string> rules[] = {
      {setFlag(rule, stock_rule_f::allow_negative), here},
      {at.allow_negative ? std::optional<bool>(true) : std::nullopt, "location " + at.code},
      {setFlag(store->entity(EntityType::stock_rule, stockRuleId(item, std::nullopt, std::nullopt)),
               stock_rule_f::allow_negative),
       anywhere},
      {setFlag(store->entity(EntityType::stock_rule, stockRuleId(std::nullopt, std::nullopt, at.kind)),
               stock_rule_f::allow_negative),
       "kind " + std::string(name(at.kind))},
      {false, "default"}};
  for (const auto& [allow, source] : rules)
    if (allow) {
      p.allow_negative = *allow;
      p.negative_rule = source;
      break;
    }
  return p;
}

namespace {

StockRuleView ruleView(Node::Core& core, const Attributes& a) {
  StockRuleView v;
  if (const auto i = idOf(a, stock_rule_f::item)) v.item = core.codeOf(EntityType::item, *i);
  if (const auto l = idOf(a, stock_rule_f::location)) v.location = core.codeOf(EntityType::location, *l);
  if (const auto k = setInt(a, stock_rule_f::kind)) v.kind = name(static_cast<LocationKind>(*k));
  v.low_stock = setInt(a, stock_rule_f::low_stock);
  v.allow_negative = setFlag(a, stock_rule_f::allow_negative);
  return v;
}

}  // namespace

Result<StockRuleSaved> Stock::setRule(const StockRuleSpec& spec) {
  const bool threshold = spec.low_stock || spec.clear_low_stock, negative = spec.allow_negative || spec.clear_allow_negative;
  if (!threshold && !negative) return invalid("stock rule", "name what to set: --low-stock or --negative");
  if (spec.kind && !spec.location.empty()) return invalid("--kind", "a rule is for a location or a kind of location, not both");
  if (spec.kind && !spec.item.empty())
    return invalid("--kind", "a rule for a kind of location is for every item; for one item give --location");
  if (spec.item.empty() && spec.location.empty() && !spec.kind)
    return invalid("--item", "name the item, the location or the --kind of location the rule is for");
  if (threshold && (spec.item.empty() || spec.location.empty()))
    return invalid("--low-stock", "a threshold is for an item at a location (give --item and --location); "
                                  "the item's own, for every location, is set with 'item set --low-stock'");
  if (spec.low_stock && *spec.low_stock < 0) return invalid("--low-stock", "must be 0 or more");
  if (spec.item.empty() && !spec.location.empty())
    return invalid("--negative", "for every item at one location use 'location set " + spec.location +
                                     " --allow-negative'; for one item there give --item");
  if (spec.kind && (!holdsStock(*spec.kind) || *spec.kind == LocationKind::transit))
    return invalid("--kind", std::string(name(*spec.kind)) + " locations hold no stock of ours: no rule applies there");
  return core_.command<StockRuleSaved>([&]() -> Result<StockRuleSaved> {
    std::optional<Id> item, location;
    std::vector<Field> wanted;
    if (!spec.item.empty()) {
      auto i = core_.item(spec.item);
      if (!i) return i.error();
      if (i->serial_tracked && spec.low_stock && *spec.low_stock % 1000)
        return invalid("--low-stock", i->code + " is tracked by serial: give a whole number of units");
      item = i->id;
      wanted.push_back(idField(stock_rule_f::item, i->id));
    }
    if (!spec.location.empty()) {
      auto l = core_.location(spec.location);
      if (!l) return l.error();
      if (!holdsStock(l->kind) || l->kind == LocationKind::transit)
        return invalid("--location", l->code + " is a " + std::string(name(l->kind)) + " location: it holds no stock of ours");
      location = l->id;
      wanted.push_back(idField(stock_rule_f::location, l->id));
    }
    if (spec.kind) wanted.push_back({stock_rule_f::kind, static_cast<std::int64_t>(*spec.kind)});
    if (threshold) wanted.push_back({stock_rule_f::low_stock, spec.low_stock ? Value{*spec.low_stock} : Value{}});
    if (negative) wanted.push_back({stock_rule_f::allow_negative, spec.allow_negative ? Value{*spec.allow_negative} : Value{}});
    const Id id = core_.stockRuleId(item, location, spec.kind);
    const Attributes old = core_.store->entity(EntityType::stock_rule, id);
    std::erase_if(wanted, [&](const Field& f) {  // unsetting what is not set changes nothing
      return std::holds_alternative<std::monostate>(f.value) && !old.count(f.id);
    });
    const Saved result = saveFields(core_, EntityType::stock_rule, id, old, std::move(wanted), true);
    return StockRuleSaved{ruleView(core_, core_.store->entity(EntityType::stock_rule, id)), result};
  });
}

Result<std::vector<StockRuleView>> Stock::rules() {
  return core_.query<std::vector<StockRuleView>>([&]() -> Result<std::vector<StockRuleView>> {
    std::vector<StockRuleView> out;
    for (const Id& id : core_.store->entityIds(EntityType::stock_rule)) {
      StockRuleView v = ruleView(core_, core_.store->entity(EntityType::stock_rule, id));
      if (v.low_stock || v.allow_negative) out.push_back(std::move(v));
    }
    std::sort(out.begin(), out.end(), [](const StockRuleView& x, const StockRuleView& y) {
      return std::tie(x.item, x.location, x.kind) < std::tie(y.item, y.location, y.kind);
    });
    return out;
  });
}

Result<StockPolicyView> Stock::policy(std::string_view item_code, std::string_view location_code) {
  return core_.query<StockPolicyView>([&]() -> Result<StockPolicyView> {
    auto item = core_.item(item_code);
    if (!item) return item.error();
    auto where = core_.location(location_code);
    if (!where) return where.error();
    if (!holdsStock(where->kind) || where->kind == LocationKind::transit)
      return invalid("LOC", where->code + " is a " + std::string(name(where->kind)) +
                                " location: it holds no stock of ours, no rule applies there");
    return core_.stockPolicy(item->id, *where);
  });
}

Result<std::vector<LowStockRow>> Stock::low(std::string_view location_code) {
  auto all = balances({}, location_code, true);  // a location that ran out is the lowest of all
  if (!all) return all.error();
  return core_.query<std::vector<LowStockRow>>([&]() -> Result<std::vector<LowStockRow>> {
    std::map<std::pair<Id, Id>, std::int64_t> held;  // (item, location): milli-units
    for (const BalanceRow& b : *all) held[{core_.itemId(b.item), core_.locationId(b.location)}] = b.qty;
    // A threshold of its own where the item never was: it holds 0.
    for (const Id& id : core_.store->entityIds(EntityType::stock_rule)) {
      const Attributes a = core_.store->entity(EntityType::stock_rule, id);
      const auto item = idOf(a, stock_rule_f::item), location = idOf(a, stock_rule_f::location);
      if (item && location && setInt(a, stock_rule_f::low_stock).value_or(0) > 0 &&
          (location_code.empty() || *location == core_.locationId(location_code)))
        held.try_emplace({*item, *location}, 0);
    }
    std::vector<LowStockRow> out;
    for (const auto& [key, qty] : held) {
      auto where = core_.locationById(key.second);
      const Attributes item = core_.store->entity(EntityType::item, key.first);
      if (!where || !holdsStock(where->kind) || where->kind == LocationKind::transit || item.empty() || flagOf(item, sync::kDeletedField)) continue;
      const StockPolicyView p = core_.stockPolicy(key.first, *where);
      if (p.low_stock > 0 && qty < p.low_stock) out.push_back({p.item, p.location, qty, p.low_stock, p.low_stock_rule});
    }
    std::sort(out.begin(), out.end(), [](const LowStockRow& x, const LowStockRow& y) {
      return std::tie(x.location, x.item) < std::tie(y.location, y.item);
    });
    return out;
  });
}

}  // namespace fieldsync::node
