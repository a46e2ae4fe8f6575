// Deliveries: shipments, lines, tracking with proof of delivery.
#include <algorithm>
#include <map>

#include "node/shipments.h"

#include "node/attachments.h"
#include "node/internal/core.h"

namespace fieldsync::node {
namespace {

ShipmentStatus currentStatus(Store& store, const Id& id) {
  const auto st = store.status(EntityType::shipment, id);
  return static_cast<ShipmentStatus>(st ? st->status : 0);
}

// The customer order of each of the shipment's lines, in line order.
std::vector<OrderLine> lineOrders(Node::Core& core, const Id& shipment) {
  std::vector<OrderLine> out;
  for (const Op& f : core.store->facts(FactKind::shipment_line, shipment)) {
    const Attributes a = fieldsOf(f);
    if (idOf(a, fact_f::item)) out.push_back({textOf(a, fact_f::order), intOf(a, fact_f::order_line)});
  }
  return out;
}

// The shipment's lines as movement lines.
std::vector<MoveLine> shipmentLines(Node::Core& core, const Id& shipment) {
  std::vector<MoveLine> out;
  for (const Op& f : core.store->facts(FactKind::shipment_line, shipment)) {
    const Attributes a = fieldsOf(f);
    const auto item = idOf(a, fact_f::item);
    if (!item) continue;
    const auto unit = idOf(a, fact_f::unit);
    out.push_back({*item, core.codeOf(EntityType::item, *item), intOf(a, fact_f::qty), unit,
                   unit ? textOf(core.store->entity(EntityType::unit, *unit), unit_f::serial) : std::string()});
  }
  return out;
}

bool same(std::string_view a, std::string_view b) { return sync::normaliseSerial(a) == sync::normaliseSerial(b); }

// A line and how much of it the shipment's movements delivered or brought
// back; the rest is still in transit (or was never dispatched).
struct LineState {
  MoveLine line;
  std::int64_t delivered = 0, returned = 0;
  std::int64_t open() const { return line.qty - delivered - returned; }
};

std::vector<LineState> lineStates(Node::Core& core, const Id& shipment) {
  std::vector<LineState> out;
  for (MoveLine& l : shipmentLines(core, shipment)) out.push_back({std::move(l)});
  for (const MoveRow& m : core.store->movesOfShipment(shipment)) {
    if (m.kind != MoveKind::shipment_delivery && m.kind != MoveKind::shipment_return) continue;
    std::int64_t left = m.qty;  // spread over the item's lines in line order
    for (LineState& s : out) {
      if (s.line.item != m.item || s.line.unit != m.unit) continue;
      const std::int64_t take = std::min(left, std::max<std::int64_t>(s.open(), 0));
      (m.kind == MoveKind::shipment_delivery ? s.delivered : s.returned) += take;
      left -= take;
      if (left == 0) break;
    }
  }
  return out;
}

// What a delivery hands over: every open line less what the customer
// refused (docs/data-model.md, "Partial delivery"). Errors name the option.
Result<std::vector<MoveLine>> handedOver(const std::vector<LineState>& states, const std::string& number,
                                         const TrackSpec& spec) {
  auto on = [&](const std::string& serial) {
    return std::find_if(states.begin(), states.end(),
                        [&](const LineState& s) { return s.line.unit && same(s.line.serial, serial); });
  };
  for (const auto* option : {&spec.refused, &spec.serials})
    for (const std::string& serial : *option) {
      const char* flag = option == &spec.refused ? "--refused" : "--serial";
      const auto s = on(serial);
      if (s == states.end()) return invalid(flag, serial + " is not on shipment " + number);
      if (s->open() <= 0) return invalid(flag, serial + " was delivered or returned already");
      if (option == &spec.serials && std::any_of(spec.refused.begin(), spec.refused.end(),
                                                 [&](const std::string& r) { return same(r, serial); }))
        return invalid("--serial", serial + " is also --refused");
    }
  std::map<std::string, std::int64_t> refused_qty;  // by item code
  for (const ItemQty& r : spec.refused_qty) {
    if (r.qty <= 0) return invalid("--refused-qty", r.item + ": a quantity is more than 0");
    refused_qty[r.item] += r.qty;
  }
  for (const auto& [item, qty] : refused_qty) {
    std::int64_t open = 0;
    for (const LineState& s : states)
      if (!s.line.unit && same(s.line.item_code, item)) open += std::max<std::int64_t>(s.open(), 0);
    if (qty > open)
      return invalid("--refused-qty", item + ": shipment " + number + " has " + formatQty(open) + " of it to deliver, " +
                                          formatQty(qty) + " refused");
  }
  std::vector<MoveLine> out;
  for (auto it = states.rbegin(); it != states.rend(); ++it) {  // a refused quantity comes off the last lines first
    MoveLine l = it->line;
    l.qty = it->open();
    if (l.qty <= 0) continue;
    if (l.unit) {
      const auto named = [&](const std::vector<std::string>& list) {
        return std::any_of(list.begin(), list.end(), [&](const std::string& x) { return same(x, l.serial); });
      };
      if (named(spec.refused)) continue;
      if (!spec.serials.empty() && !named(spec.serials))
        return invalid("--serial", l.serial + " is on shipment " + number + ": name it with --serial or --refused");
    } else {
      for (auto& [item, qty] : refused_qty)
        if (same(l.item_code, item)) {
          const std::int64_t off = std::min(qty, l.qty);
          l.qty -= off;
          qty -= off;
        }
      if (l.qty == 0) continue;
    }
    out.insert(out.begin(), std::move(l));
  }
  if (out.empty() && (!spec.refused.empty() || !refused_qty.empty()))
    return invalid("--refused", "everything was refused: record a failed attempt instead (shipment fail --reason refused)");
  return out;
}

// Reason codes (docs/data-model.md, "Failed attempts"): a fixed set, so
// that the back office can count them; the app offers the same.
constexpr std::string_view kFailReasons[] = {"not_home", "refused", "address_wrong", "damaged"};
constexpr std::string_view kRefusalReasons[] = {"refused", "damaged"};
// A shipment may fail this often before it must go back (domain I21).
constexpr std::int64_t kMaxAttempts = 3;

template <std::size_t N>
sync::Status checkReason(const std::string& reason, const std::string_view (&codes)[N], std::string_view what) {
  if (std::find(std::begin(codes), std::end(codes), reason) != std::end(codes)) return {};
  std::string list;
  for (std::string_view c : codes) list += (list.empty() ? "" : ", ") + std::string(c);
  return invalid("--reason", "is " + reason + "; " + std::string(what) + " is one of " + list);
}

}  // namespace

Shipments::Shipments(Node& node) : core_(*node.core_) {}

Result<ShipmentCreated> Shipments::create(std::string_view customer_text, std::string_view site_text,
                                          std::string_view origin, std::string_view driver_text) {
  auto customer = fieldText("--customer", customer_text, kMaxNameBytes, "name the customer the shipment goes to");
  auto site = fieldText("--site", site_text, kMaxTextBytes);
  auto driver = fieldText("--driver", driver_text, kMaxNameBytes);
  for (const auto* r : {&customer, &site, &driver})
    if (!*r) return r->error();
  return core_.command<ShipmentCreated>([&]() -> Result<ShipmentCreated> {
    auto party = core_.party(*customer, *site, "--");
    if (!party) return party.error();
    auto from = core_.location(origin);
    if (!from) return from.error();
    if (!holdsStock(from->kind)) return invalid("--from", from->code + " does not hold stock");
    auto transit = core_.location("TRANSIT");
    if (!transit) return transit.error();
    const Id id = core_.new_id();
    const std::string number = core_.nextNumber("S");
    std::vector<Field> fields{{shipment_f::number, number}, {shipment_f::customer, party->customer},
                              {shipment_f::site, party->site}, idField(shipment_f::origin, from->id),
                              idField(shipment_f::transit, transit->id)};
    if (!driver->empty()) fields.push_back({shipment_f::driver, *driver});
    core_.emit(EntityType::shipment, id, FactKind::none, std::move(fields));
    return ShipmentCreated{id, number, party->customer, party->site, from->code, ShipmentStatus::created};
  });
}

Result<LineAdded> Shipments::addLine(std::string_view ref, std::string_view item_code, std::optional<std::int64_t> qty,
                                     const std::vector<std::string>& serials, bool force, const OrderLine& given) {
  auto order = fieldLine("--order", given.order);
  if (!order) return order.error();
  if (order->empty() && given.line) return invalid("--order", "a --line is a line of an order: give --order too");
  if (!order->empty() && (given.line < 1 || given.line > kMaxOrderLine))
    return invalid("--line", "give the order's line, 1 to " + std::to_string(kMaxOrderLine));
  return core_.command<LineAdded>([&]() -> Result<LineAdded> {
    auto s = core_.findNumbered(EntityType::shipment, shipment_f::number, ref, "shipment");
    if (!s) return s.error();
    const ShipmentStatus now = currentStatus(*core_.store, s->id);
    if (!force && now != ShipmentStatus::created && now != ShipmentStatus::ready)
      return refused("shipment " + s->number + " is " + std::string(name(now)) +
                     ": lines are added before dispatch; use --force to record a line found on the way");
    auto item = core_.item(item_code);
    if (!item) return item.error();
    auto lines = core_.lines(*item, qty, serials, false);
    if (!lines) return lines.error();
    const auto origin = idOf(s->attrs, shipment_f::origin);
    if (!origin) return sync::fail(Errc::internal, "shipment " + s->number + " has no origin");
    auto from = core_.locationById(*origin);
    if (!from) return from.error();
    if (!force) {
      std::vector<MoveLine> all = shipmentLines(core_, s->id);
      for (const MoveLine& l : all)
        if (l.unit && std::any_of(lines->begin(), lines->end(), [&](const MoveLine& n) { return n.unit == l.unit; }))
          return invalid("--serial", l.serial + " is already on shipment " + s->number);
      all.insert(all.end(), lines->begin(), lines->end());
      if (auto ok = core_.checkMoves(*from, all, core_.now()); !ok) return ok.error();
    }
    for (const MoveLine& l : *lines) {
      std::vector<Field> f{idField(fact_f::item, l.item), {fact_f::qty, l.qty}};
      if (l.unit) f.push_back(idField(fact_f::unit, *l.unit));
      if (!order->empty()) f.insert(f.end(), {{fact_f::order, *order}, {fact_f::order_line, given.line}});
      core_.emit(EntityType::shipment, s->id, FactKind::shipment_line, std::move(f));
    }
    std::int64_t total = 0;
    for (const MoveLine& l : *lines) total += l.qty;
    return LineAdded{s->number, item->code, total, static_cast<std::int64_t>(serials.size()), {*order, given.line}};
  });
}

Result<Tracked> Shipments::track(std::string_view ref, const TrackSpec& given) {
  const bool refusal = !given.refused.empty() || !given.refused_qty.empty();
  if (refusal && given.status != ShipmentStatus::delivered && given.status != ShipmentStatus::partially_delivered)
    return invalid("--refused", "only a delivery leaves out what the customer refused");
  if (given.status == ShipmentStatus::partially_delivered && !refusal)
    return invalid("--refused", "a partial delivery names what the customer refused");
  if (!given.serials.empty() && given.status != ShipmentStatus::delivered &&
      given.status != ShipmentStatus::partially_delivered)
    return invalid("--serial", "only a delivery names the serials handed over");
  const ShipmentStatus status = refusal ? ShipmentStatus::partially_delivered : given.status;
  const bool delivered = status == ShipmentStatus::delivered || status == ShipmentStatus::partially_delivered,
             failed = status == ShipmentStatus::attempt_failed;
  auto recipient = fieldText("--recipient", given.recipient, kMaxNameBytes,
                             delivered ? "proof of delivery needs the recipient's name" : "");
  auto proof = fieldText("--proof", given.proof, kMaxTextBytes);
  auto place = fieldText("--place", given.place, kMaxNameBytes);
  auto reason = fieldText("--reason", given.reason, kMaxNameBytes,
                          failed    ? "a failed attempt needs a reason"
                          : refusal ? "a partial delivery needs the reason for what was refused"
                                    : "");
  for (const auto* r : {&recipient, &proof, &place, &reason})
    if (!*r) return r->error();
  if (delivered && !refusal && !reason->empty())
    return invalid("--reason", "a full delivery has no reason; name what the customer refused with --refused or --refused-qty");
  if (failed)
    if (auto ok = checkReason(*reason, kFailReasons, "a failed attempt's reason"); !ok) return ok.error();
  if (refusal)
    if (auto ok = checkReason(*reason, kRefusalReasons, "a refusal's reason"); !ok) return ok.error();
  if (!given.image.empty()) {
    if (!given.proof.empty()) return invalid("--signature", "give a proof's hash or its image, not both");
    if (auto type = attachmentType("--signature", given.image); !type) return type.error();
  }
  TrackSpec spec = given;
  spec.status = status;
  spec.recipient = *recipient;
  spec.proof = *proof;
  spec.place = *place;
  spec.reason = *reason;
  return core_.command<Tracked>([&]() -> Result<Tracked> {
    auto s = core_.findNumbered(EntityType::shipment, shipment_f::number, ref, "shipment");
    if (!s) return s.error();
    const ShipmentStatus now = currentStatus(*core_.store, s->id);
    const auto when = core_.businessTime(spec.at);
    if (!when) return when.error();
    const std::int64_t at = *when;
    if (!spec.force) {
      if (auto ok = core_.checkTransition(*s, "shipment", spec.status, at); !ok) return ok.error();
      const auto st = core_.store->status(EntityType::shipment, s->id);
      if (st && st->counted >= kMaxAttempts && spec.status != ShipmentStatus::returning &&
          spec.status != ShipmentStatus::returned && spec.status != ShipmentStatus::in_transit)
        return refused("shipment " + s->number + ": " + std::to_string(st->counted) +
                       " delivery attempts failed; send it back (shipment returning) or use --force to record it anyway");
    }
    auto origin = core_.locationById(idOf(s->attrs, shipment_f::origin).value_or(Id{}));
    auto transit = core_.locationById(idOf(s->attrs, shipment_f::transit).value_or(Id{}));
    auto customer = core_.location("CUSTOMER");
    if (!origin || !transit || !customer) return sync::fail(Errc::internal, "shipment " + s->number + " has no route");
    const std::vector<LineState> states = lineStates(core_, s->id);
    std::vector<MoveLine> lines, open;  // every line; what is still to deliver or bring back
    for (const LineState& l : states) {
      lines.push_back(l.line);
      if (l.open() > 0) open.push_back(l.line), open.back().qty = l.open();
    }
    const MoveContext ctx{{}, {}, s->id, {}, spec.force};
    Result<MovePosted> moved = MovePosted{};
    switch (spec.status) {
      case ShipmentStatus::dispatched:
        if (lines.empty()) return refused("shipment " + s->number + " has no lines to dispatch");
        moved = core_.postMoves(MoveKind::shipment_out, *origin, *transit, lines, at, ctx);
        break;
      case ShipmentStatus::delivered:
      case ShipmentStatus::partially_delivered: {
        auto handed = handedOver(states, s->number, spec);
        if (!handed) return handed.error();
        moved = core_.postMoves(MoveKind::shipment_delivery, *transit, *customer, *handed, at, ctx);
        // The units delivered are the customer's, registered against their order line.
        const std::vector<MoveLine> all = shipmentLines(core_, s->id);
        const std::vector<OrderLine> orders = lineOrders(core_, s->id);
        for (const MoveLine& l : *handed) {
          if (!l.unit) continue;
          std::vector<Field> f{{unit_f::customer, textOf(s->attrs, shipment_f::customer)},
                               {unit_f::site, textOf(s->attrs, shipment_f::site)}};
          for (std::size_t i = 0; i < all.size(); ++i)
            if (all[i].unit == l.unit && !orders[i].order.empty())
              f.insert(f.end(), {{unit_f::order, orders[i].order}, {unit_f::order_line, orders[i].line}});
          core_.emit(EntityType::unit, *l.unit, FactKind::none, std::move(f));
        }
        break;
      }
      case ShipmentStatus::returned:  // what was not delivered comes back
        if (!open.empty()) moved = core_.postMoves(MoveKind::shipment_return, *transit, *origin, open, at, ctx);
        break;
      default: break;
    }
    if (!moved) return moved.error();
    if (!spec.image.empty()) {
      auto attached = core_.attach("--signature", spec.image);
      if (!attached) return attached.error();
      spec.proof = *attached;
    }
    std::vector<Field> f{{fact_f::at, at}, {fact_f::status, static_cast<std::int64_t>(spec.status)}};
    if (!spec.recipient.empty()) f.push_back({fact_f::person, spec.recipient});
    if (!spec.proof.empty()) f.push_back({fact_f::proof, spec.proof});
    if (!spec.place.empty()) f.push_back({fact_f::place, spec.place});
    if (!spec.reason.empty()) f.push_back({fact_f::reason, spec.reason});
    if (spec.force) f.push_back({fact_f::forced, true});
    core_.emit(EntityType::shipment, s->id, FactKind::tracking, std::move(f));
    return Tracked{s->number, spec.proof, now, spec.status, at};
  });
}

namespace {
ShipmentRow shipmentRow(Node::Core& core, const Id& id, const Attributes& a) {
  const auto st = core.store->status(EntityType::shipment, id);
  const auto origin = idOf(a, shipment_f::origin);
  return {textOf(a, shipment_f::number),
          textOf(a, shipment_f::customer),
          textOf(a, shipment_f::site),
          origin ? core.codeOf(EntityType::location, *origin) : std::string(),
          textOf(a, shipment_f::driver),
          static_cast<ShipmentStatus>(st ? st->status : 0),
          st ? st->counted : 0,
          st ? st->anomalies : 0,
          static_cast<std::int64_t>(core.store->facts(FactKind::shipment_line, id).size())};
}
}  // namespace

Result<ShipmentView> Shipments::show(std::string_view ref) {
  return core_.query<ShipmentView>([&]() -> Result<ShipmentView> {
    auto s = core_.findNumbered(EntityType::shipment, shipment_f::number, ref, "shipment");
    if (!s) return s.error();
    ShipmentView v{shipmentRow(core_, s->id, s->attrs), {}, {}};
    for (const Op& f : core_.store->facts(FactKind::tracking, s->id)) {
      const Attributes a = fieldsOf(f);
      v.tracking.push_back({intOf(a, fact_f::at), static_cast<ShipmentStatus>(intOf(a, fact_f::status)),
                            textOf(a, fact_f::person), textOf(a, fact_f::proof), textOf(a, fact_f::place),
                            textOf(a, fact_f::reason)});
    }
    // After a partial delivery, what was not delivered was refused.
    const bool partial = std::any_of(v.tracking.begin(), v.tracking.end(), [](const TrackingEntry& t) {
      return t.status == ShipmentStatus::partially_delivered;
    });
    const std::vector<OrderLine> orders = lineOrders(core_, s->id);
    const std::vector<LineState> states = lineStates(core_, s->id);
    for (std::size_t i = 0; i < states.size(); ++i) {
      const LineState& l = states[i];
      v.lines.push_back({l.line.item_code, l.line.serial, l.line.qty, l.delivered,
                         partial ? l.line.qty - l.delivered : 0, l.returned, orders[i]});
    }
    return v;
  });
}

Result<std::vector<ShipmentRow>> Shipments::list() {
  return core_.query<std::vector<ShipmentRow>>([&]() -> Result<std::vector<ShipmentRow>> {
    return core_.liveRows(EntityType::shipment, shipmentRow, &ShipmentRow::number);
  });
}

}  // namespace fieldsync::node
