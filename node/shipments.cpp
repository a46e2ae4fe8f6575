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
    auto from = core_.location(origin);
    if (!from) return from.error();
    if (!holdsStock(from->kind)) return invalid("--from", from->code + " does not hold stock");
    auto transit = core_.location("TRANSIT");
    if (!transit) return transit.error();
    const Id id = core_.new_id();
    const std::string number = core_.nextNumber("S");
    std::vector<Field> fields{{shipment_f::number, number}, {shipment_f::customer, *customer},
                              {shipment_f::site, *site}, idField(shipment_f::origin, from->id),
                              idField(shipment_f::transit, transit->id)};
    if (!driver->empty()) fields.push_back({shipment_f::driver, *driver});
    core_.emit(EntityType::shipment, id, FactKind::none, std::move(fields));
    return ShipmentCreated{id, number, *customer, *site, from->code, ShipmentStatus::created};
  });
}

Result<LineAdded> Shipments::addLine(std::string_view ref, std::string_view item_code, std::optional<std::int64_t> qty,
                                     const std::vector<std::string>& serials, bool force) {
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
      core_.emit(EntityType::shipment, s->id, FactKind::shipment_line, std::move(f));
    }
    std::int64_t total = 0;
    for (const MoveLine& l : *lines) total += l.qty;
    return LineAdded{s->number, item->code, total, static_cast<std::int64_t>(serials.size())};
  });
}

Result<Tracked> Shipments::track(std::string_view ref, const TrackSpec& given) {
  const bool delivered = given.status == ShipmentStatus::delivered, failed = given.status == ShipmentStatus::attempt_failed;
  auto recipient = fieldText("--recipient", given.recipient, kMaxNameBytes,
                             delivered ? "proof of delivery needs the recipient's name" : "");
  auto proof = fieldText("--proof", given.proof, kMaxTextBytes);
  auto place = fieldText("--place", given.place, kMaxNameBytes);
  auto reason = fieldText("--reason", given.reason, kMaxNameBytes, failed ? "a failed attempt needs a reason" : "");
  for (const auto* r : {&recipient, &proof, &place, &reason})
    if (!*r) return r->error();
  if (!given.image.empty()) {
    if (!given.proof.empty()) return invalid("--signature", "give a proof's hash or its image, not both");
    if (auto type = attachmentType("--signature", given.image); !type) return type.error();
  }
  TrackSpec spec = given;
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
    if (!spec.force)
      if (auto ok = core_.checkTransition(*s, "shipment", spec.status, at); !ok) return ok.error();
    auto origin = core_.locationById(idOf(s->attrs, shipment_f::origin).value_or(Id{}));
    auto transit = core_.locationById(idOf(s->attrs, shipment_f::transit).value_or(Id{}));
    auto customer = core_.location("CUSTOMER");
    if (!origin || !transit || !customer) return sync::fail(Errc::internal, "shipment " + s->number + " has no route");
    const std::vector<MoveLine> lines = shipmentLines(core_, s->id);
    const MoveContext ctx{{}, {}, s->id, {}, spec.force};
    Result<MovePosted> moved = MovePosted{};
    switch (spec.status) {
      case ShipmentStatus::dispatched:
        if (lines.empty()) return refused("shipment " + s->number + " has no lines to dispatch");
        moved = core_.postMoves(MoveKind::shipment_out, *origin, *transit, lines, at, ctx);
        break;
      case ShipmentStatus::delivered:
        moved = core_.postMoves(MoveKind::shipment_delivery, *transit, *customer, lines, at, ctx);
        for (const MoveLine& l : lines)
          if (l.unit)
            core_.emit(EntityType::unit, *l.unit, FactKind::none,
                        {{unit_f::customer, textOf(s->attrs, shipment_f::customer)},
                         {unit_f::site, textOf(s->attrs, shipment_f::site)}});
        break;
      case ShipmentStatus::returned:
        moved = core_.postMoves(MoveKind::shipment_return, *transit, *origin, lines, at, ctx);
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
    for (const MoveLine& l : shipmentLines(core_, s->id)) v.lines.push_back({l.item_code, l.serial, l.qty});
    for (const Op& f : core_.store->facts(FactKind::tracking, s->id)) {
      const Attributes a = fieldsOf(f);
      v.tracking.push_back({intOf(a, fact_f::at), static_cast<ShipmentStatus>(intOf(a, fact_f::status)),
                            textOf(a, fact_f::person), textOf(a, fact_f::proof), textOf(a, fact_f::place),
                            textOf(a, fact_f::reason)});
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
