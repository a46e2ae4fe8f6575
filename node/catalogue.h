// Catalogue: items, locations and registered devices (units) of a node.
//
// Codes (items, locations) are trimmed and upper-cased, and an entity's id
// is the natural id of its code, so two nodes that add the same code get
// one entity. A unit's id is the natural id of (company, item, serial), so
// two offline registrations of one device are one unit. Quantities are
// milli-units; times are ms since the epoch, UTC. Borrows the Node, which
// must outlive it; not thread-safe, like the Node.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "node/node.h"

namespace fieldsync::node {

struct ItemSpec {
  std::string code, name;
  bool serial_tracked = false;
  std::int64_t warranty_days = 0;
  std::int64_t low_stock = 0;  // milli-units; 0: no threshold
};

struct LocationSpec {
  std::string code, name;
  LocationKind kind = LocationKind::warehouse;
  std::string technician;  // a van's technician
  bool allow_negative = false;
  std::string branch;  // the branch it belongs to (docs/scopes.md); empty: shared by every branch
};

// An edit writes only the fields it names (each is a register of its own,
// so edits of different fields on different devices all survive a merge).
struct ItemEdit {
  std::string code;
  std::optional<std::string> name;
  std::optional<std::int64_t> warranty_days, low_stock;  // days; milli-units
};
struct LocationEdit {
  std::string code;
  std::optional<std::string> name;
  std::optional<std::string> technician;  // a van handed over: an assignment fact at `at`
  std::optional<bool> allow_negative;
  std::optional<std::int64_t> at;  // when the van changed hands; now if absent
  std::optional<std::string> branch;
};

struct UnitSpec {
  std::string item, serial, build_code, customer, site;
  std::optional<std::int64_t> manufactured_on;
  std::string order;  // the customer's order it was delivered on, with its line (1 or more)
  std::int64_t order_line = 0;
};

struct InstallSpec {
  std::string item, serial, customer, site;
  std::string parent_item, parent_serial;  // a part installed into a device
  std::optional<std::int64_t> at;
  bool force = false;  // a serial this node does not know: register it and record the installation
};

enum class Saved { created, updated, unchanged };
std::string_view name(Saved v);

struct ItemView {
  std::string code, name;
  bool serial_tracked = false;
  std::int64_t warranty_days = 0, low_stock = 0;
};
struct LocationView {
  std::string code, name;
  LocationKind kind = LocationKind::warehouse;
  std::string technician;
  bool allow_negative = false;
  std::string branch;
};
struct UnitView {
  std::string item, serial, build_code, customer, site;
  std::string parent;    // the serial of the device it is installed in
  std::string location;  // where its latest movement took it; empty if it never moved
  UnitState state = UnitState::registered;
  std::optional<std::int64_t> warranty_start, warranty_end;  // from the earliest delivery or installation
  std::string order;  // the customer order line it was delivered on, if any
  std::int64_t order_line = 0;
};
struct UnitHistory {
  UnitView unit;
  bool under_warranty = false;  // as of the node's clock
  std::vector<HistoryEntry> events;
};

struct ItemSaved {
  ItemView item;
  Saved result = Saved::created;
};
struct LocationSaved {
  LocationView location;
  Saved result = Saved::created;
};
struct UnitRegistered {
  sync::Id unit;
  std::string item, serial;
  Saved result = Saved::created;
};
struct UnitInstalled {
  sync::Id unit;
  std::string item, serial, customer, site;
  std::int64_t at = 0;
};

struct ImportOptions {
  bool dry_run = false;  // check and count, write nothing
  char delimiter = 0;    // ',', ';' or '\t'; 0: detected from the header line
};

struct ImportSummary {
  static constexpr std::size_t kMaxProblems = 100;
  std::uint64_t read = 0, created = 0, updated = 0, unchanged = 0, duplicates = 0, invalid = 0;
  std::vector<std::string> problems;  // "line N: reason", the first kMaxProblems
};

class Catalogue {
 public:
  explicit Catalogue(Node& node);

  // Adding a code that exists again, field for field, changes nothing; with
  // other fields it is refused (edit them with setItem/setLocation). An
  // item's tracking and a location's kind never change.
  Result<ItemSaved> addItem(const ItemSpec& spec);
  Result<LocationSaved> addLocation(const LocationSpec& spec);
  Result<ItemSaved> setItem(const ItemEdit& edit);
  Result<LocationSaved> setLocation(const LocationEdit& edit);
  // Retiring writes only the deleted register: an item or location leaves
  // the lists and new commands, its history stays, and a later edit of
  // another field does not bring it back.
  Status retireItem(std::string_view code);
  Status retireLocation(std::string_view code);
  Result<std::vector<ItemView>> items();          // by code
  Result<std::vector<LocationView>> locations();  // by code

  Result<UnitRegistered> registerUnit(const UnitSpec& spec);
  Result<UnitInstalled> installUnit(const InstallSpec& spec);
  Result<UnitHistory> unitHistory(std::string_view item, std::string_view serial);
  Result<std::vector<UnitView>> units();  // by item, then serial
  // The units a customer has now (delivered, installed, under repair), by item, then serial.
  Result<std::vector<UnitView>> unitsOf(std::string_view customer);
  // CSV as spreadsheets save it (a byte-order mark, ';' or tab separators,
  // quoted line breaks: node/internal/csv_reader.h) with a header naming
  // item, serial and optionally build_code, customer, site, manufactured_on,
  // order and order_line
  // (in any case, with spaces for underscores). Valid rows are written in
  // one transaction; each invalid one is counted and named by its line.
  Result<ImportSummary> importUnits(std::istream& csv, const ImportOptions& options = {},
                                    const std::function<void(std::uint64_t rows)>& progress = {});

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
