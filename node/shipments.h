// Shipments: deliveries from a stock location to a customer, their lines
// and tracking events with proof of delivery. The status is a fold over
// the tracking facts by business time (docs/data-model.md); dispatch,
// delivery and return move the lines' stock through transit. A delivery
// may leave out what the customer refused (partially_delivered): that stays
// in transit, with no customer and no warranty, until it is returned. A shipment is
// named by its number or id. Quantities are milli-units; times are ms since
// the epoch, UTC. Borrows the Node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/node.h"

namespace fieldsync::node {

struct ItemQty {
  std::string item;      // an item's code
  std::int64_t qty = 0;  // milli-units
};

struct TrackSpec {
  ShipmentStatus status = ShipmentStatus::ready;
  std::optional<std::int64_t> at;
  std::string recipient, proof, place, reason;  // proof of delivery; a failed attempt's reason
  bool force = false;
  // A signature or photo (PNG or JPEG bytes) as the proof: stored as an
  // attachment (node/attachments.h) in the same transaction; its reference is the proof.
  std::string image;
  // A delivery: the serials handed over (empty: every one not refused), and
  // what the customer refused; a refusal makes it partially_delivered and
  // needs the reason.
  std::vector<std::string> serials, refused;
  std::vector<ItemQty> refused_qty;
};

struct ShipmentCreated {
  sync::Id id;
  std::string number, customer, site, from;  // number: "S-1a2b3c4d-0001"; from: the origin's code
  ShipmentStatus status = ShipmentStatus::created;
};
// The customer's order a shipment line fills: its number and line (1 or
// more). The serials delivered on the line are registered against it
// (docs/data-model.md, "Order lines").
struct OrderLine {
  std::string order;
  std::int64_t line = 0;
};
struct LineAdded {
  std::string shipment, item;
  std::int64_t qty = 0, serials = 0;
  OrderLine order;
};
struct Tracked {
  std::string shipment, proof;
  ShipmentStatus from = ShipmentStatus::created, to = ShipmentStatus::created;
  std::int64_t at = 0;
};

struct ShipmentRow {
  std::string number, customer, site, from, driver;
  ShipmentStatus status = ShipmentStatus::created;
  std::int64_t attempts = 0, anomalies = 0, lines = 0;
};
struct ShipmentLineView {
  std::string item, serial;  // serial: empty for items not tracked by serial
  std::int64_t qty = 0;
  std::int64_t delivered = 0, refused = 0, returned = 0;  // of qty, by the shipment's movements
  OrderLine order;
};
struct TrackingEntry {
  std::int64_t at = 0;
  ShipmentStatus status = ShipmentStatus::created;
  std::string recipient, proof, place, reason;
};
struct ShipmentView {
  ShipmentRow summary;
  std::vector<ShipmentLineView> lines;
  std::vector<TrackingEntry> tracking;  // by business time
};

class Shipments {
 public:
  explicit Shipments(Node& node);

  // `driver`: who delivers it; that driver's device may record its tracking (docs/scopes.md).
  Result<ShipmentCreated> create(std::string_view customer, std::string_view site, std::string_view origin,
                                 std::string_view driver = {});
  Result<LineAdded> addLine(std::string_view ref, std::string_view item, std::optional<std::int64_t> qty,
                            const std::vector<std::string>& serials, bool force, const OrderLine& order = {});
  Result<Tracked> track(std::string_view ref, const TrackSpec& spec);
  Result<ShipmentView> show(std::string_view ref);
  Result<std::vector<ShipmentRow>> list();  // by number

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
