#include "node/cli/commands.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/records.h"
#include "node/attachments.h"
#include "node/cases.h"
#include "node/catalogue.h"
#include "node/customers.h"
#include "node/exceptions.h"
#include "node/periods.h"
#include "node/shipments.h"
#include "node/stock.h"
#include "node/visits.h"

namespace fieldsync::node::cli {

using fieldsync::cli::toTable;
using fieldsync::sync::Errc;
using fieldsync::sync::Error;

namespace {

// Parse helpers that turn bad input into an error naming the option.
Result<std::optional<std::int64_t>> optTime(const Args& a, const std::string& name = "at") {
  if (!a.has(name)) return std::optional<std::int64_t>{};
  auto t = parseTime(a.get(name), "--" + name);
  if (!t) return t.error();
  return std::optional<std::int64_t>{*t};
}
Result<std::optional<std::int64_t>> optQty(const Args& a, const std::string& name = "qty") {
  if (!a.has(name)) return std::optional<std::int64_t>{};
  auto q = parseQty(a.get(name), "--" + name);
  if (!q) return q.error();
  return std::optional<std::int64_t>{*q};
}

// A typed result as the table the program prints.
template <class T, class... Extra>
Result<Table> shown(const Result<T>& r, Extra... extra) {
  if (!r) return r.error();
  return toTable(*r, extra...);
}

#define TRY(var, expr)                  \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = std::move(var##_r).value()

Result<std::int64_t> wholeDays(const std::string& text) {
  TRY(d, parseQty(text, "--warranty-days"));
  if (d % 1000) return Error{Errc::invalid_input, "--warranty-days: must be a whole number of days"};
  return d / 1000;
}

// A command that returns nothing but success, as a one-cell table.
Result<Table> done(const fieldsync::sync::Status& s, const char* what) {
  if (!s) return s.error();
  return Table{{what}, {{true}}};
}

const Option kAt{"at", "TIME", "business time, UTC (2026-11-21T08:30); default now"};
const Option kForce{"force", "", "record it even if local stock or serial places disagree"};
const Option kQty{"qty", "Q", "quantity, for items not tracked by serial"};
const Option kSignature{"signature", "FILE", "the signature drawn (or a photo): a PNG or JPEG, synced as an attachment"};
const Option kOrder{"order", "NUMBER", "the customer's order number (PO-1234); delivered serials are registered against it"};
const Option kLine{"line", "N", "the order's line, 1 or more (with --order)"};
// --line as a number; 0 when absent.
Result<std::int64_t> orderLine(const Args& a) {
  if (!a.has("line")) return std::int64_t{0};
  TRY(q, parseQty(a.get("line"), "--line"));
  if (q % 1000 || q < 1000) return Error{Errc::invalid_input, "--line: '" + a.get("line") + "' is not a line number (1 or more)"};
  return q / 1000;
}
const Option kSerial{"serial", "S", "a serial (repeat for each unit), for serial-tracked items", false, true};

Result<Table> move(Node& n, const Args& a, MoveKind kind, std::string from, std::string to) {
  TRY(qty, optQty(a));
  TRY(at, optTime(a));
  return shown(Stock(n).move({kind, a.pos(0), from, to, qty, a.all("serial"), at, a.get("reason"), a.flag("force")}));
}

Result<Table> caseTo(Node& n, const Args& a, CaseStatus to) {
  TRY(at, optTime(a));
  return shown(Cases(n).setStatus(a.pos(0), to, at, a.flag("force")));
}

// The image file an option names (a drawn signature, a photo), read whole;
// empty when the option is absent. node/attachments.h checks what it holds.
Result<std::string> imageFile(const Args& a, const std::string& name) {
  if (!a.has(name)) return std::string();
  const std::string path = a.get(name);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Error{Errc::invalid_input, "--" + name + ": '" + path + "' is a directory"};
  if (std::filesystem::file_size(path, ec) > kMaxAttachmentBytes && !ec)
    return Error{Errc::invalid_input, "--" + name + ": '" + path + "' is larger than " +
                                          std::to_string(kMaxAttachmentBytes) + " bytes"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{Errc::not_found, "--" + name + ": cannot read '" + path + "'"};
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) return Error{Errc::invalid_input, "--" + name + ": '" + path + "' is empty"};
  return bytes;
}

Result<Table> trackTo(Node& n, const Args& a, ShipmentStatus to) {
  TRY(at, optTime(a));
  TrackSpec spec{to, at, a.get("recipient"), a.get("proof"), a.get("place"), a.get("reason"), a.flag("force"), {},
                 {}, {}, {}};
  if (to == ShipmentStatus::delivered) {
    TRY(image, imageFile(a, "signature"));
    spec.image = std::move(image);
    spec.serials = a.all("serial");
    spec.refused = a.all("refused");
    for (const std::string& r : a.all("refused-qty")) {  // ITEM=Q
      const auto eq = r.find('=');
      if (eq == std::string::npos || eq == 0)
        return Error{Errc::invalid_input, "--refused-qty: '" + r + "' is not ITEM=QTY (SEAL=2)"};
      TRY(q, parseQty(r.substr(eq + 1), "--refused-qty"));
      spec.refused_qty.push_back({r.substr(0, eq), q});
    }
  }
  return shown(Shipments(n).track(a.pos(0), spec));
}

}  // namespace

std::vector<Command> commands() {
  std::vector<Command> c;
  c.push_back({"init", "", {}, "create a new node database", {{"company", "NAME", "the company this node works for", true}},
               nullptr});
  c.push_back({"status", "", {}, "node id, clock, counts, and sync state (server, pending ops, last sync, cursor)", {},
               [](Node& n, const Args&) { return shown(n.status()); }});
  c.push_back({"enroll", "", {"STRING"}, "enroll with a server (creates the database if needed)", {}, nullptr});
  c.push_back({"sync", "", {}, "push local ops, then pull until caught up",
               {{"watch", "", "stay connected: sync at once when the server has news or this node a new op, reconnect with backoff; stop with Ctrl-C"}}, nullptr});
  c.push_back({"devices", "", {},
               "a supervisor's branch's devices (an administrator's: every device) with their last sync, from the server",
               {}, nullptr});
  c.push_back({"export", "", {}, "canonical JSON of every projection (identical on converged nodes)", {}, nullptr});
  c.push_back({"merge", "", {"FILE"}, "apply every op of another node database (sneakernet sync)", {},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(added, n.mergeFrom(a.pos(0)));
                 return Table{{"new_ops"}, {{static_cast<std::int64_t>(added)}}};
               }});
  c.push_back({"rebuild", "", {}, "recompute every projection from the op log", {}, [](Node& n, const Args&) -> Result<Table> {
                 if (auto ok = n.rebuild(); !ok) return ok.error();
                 return Table{{"rebuilt"}, {{true}}};
               }});

  c.push_back({"item", "add", {"CODE"}, "add an item (adding it again with the same fields changes nothing)",
               {{"name", "NAME", "display name"},
                {"serial", "", "tracked by serial (devices, serialized parts)"},
                {"warranty-days", "N", "warranty period from delivery or installation"},
                {"low-stock", "Q", "list locations holding less than Q in 'stock low'"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(low, optQty(a, "low-stock"));
                 std::int64_t days = 0;
                 if (a.has("warranty-days")) {
                   TRY(d, wholeDays(a.get("warranty-days")));
                   days = d;
                 }
                 return shown(Catalogue(n).addItem({a.pos(0), a.get("name"), a.flag("serial"), days, low.value_or(0)}));
               }});
  c.push_back({"item", "set", {"CODE"}, "change an item's fields (only those given)",
               {{"name", "NAME", "display name"},
                {"warranty-days", "N", "warranty period from delivery or installation"},
                {"low-stock", "Q", "list locations holding less than Q in 'stock low'"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 ItemEdit e{a.pos(0), {}, {}, {}};
                 if (a.has("name")) e.name = a.get("name");
                 if (a.has("warranty-days")) {
                   TRY(days, wholeDays(a.get("warranty-days")));
                   e.warranty_days = days;
                 }
                 TRY(low, optQty(a, "low-stock"));
                 e.low_stock = low;
                 return shown(Catalogue(n).setItem(e));
               }});
  c.push_back({"item", "retire", {"CODE"}, "retire an item: gone from lists and new commands, history kept", {},
               [](Node& n, const Args& a) { return done(Catalogue(n).retireItem(a.pos(0)), "retired"); }});
  c.push_back({"item", "list", {}, "list items", {}, [](Node& n, const Args&) { return shown(Catalogue(n).items()); }});

  c.push_back({"location", "add", {"CODE"}, "add a location (adding it again with the same fields changes nothing)",
               {{"kind", "KIND", "warehouse, bin, van, transit, supplier, customer, consumed, scrap, loss or repair", true},
                {"name", "NAME", "display name"},
                {"technician", "NAME", "the technician a van is assigned to"},
                {"allow-negative", "", "stock here may go below zero"},
                {"branch", "NAME", "the branch it belongs to (default: shared by every branch)"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(kind, parseName<LocationKind>(a.get("kind"), "--kind"));
                 return shown(Catalogue(n).addLocation(
                     {a.pos(0), a.get("name"), kind, a.get("technician"), a.flag("allow-negative"), a.get("branch")}));
               }});
  c.push_back({"location", "set", {"CODE"}, "change a location's fields (only those given)",
               {{"name", "NAME", "display name"},
                {"technician", "NAME", "hand a van over to this technician (from --at on)"},
                {"allow-negative", "", "stock here may go below zero (--allow-negative=false: the stock rules decide)"},
                {"at", "TIME", "when the van changed hands, UTC; default now"},
                {"branch", "NAME", "move it to this branch ('': shared by every branch)"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(at, optTime(a));
                 LocationEdit e{a.pos(0), {}, {}, {}, at, {}};
                 if (a.has("branch")) e.branch = a.get("branch");
                 if (a.has("name")) e.name = a.get("name");
                 if (a.has("technician")) e.technician = a.get("technician");
                 if (a.has("allow-negative")) e.allow_negative = a.flag("allow-negative");
                 return shown(Catalogue(n).setLocation(e));
               }});
  c.push_back({"location", "retire", {"CODE"}, "retire a location: gone from lists and new commands, history kept", {},
               [](Node& n, const Args& a) { return done(Catalogue(n).retireLocation(a.pos(0)), "retired"); }});
  c.push_back({"location", "list", {}, "list locations", {},
               [](Node& n, const Args&) { return shown(Catalogue(n).locations()); }});

  const std::vector<Option> contact{{"name", "NAME", "display name (default: the code)"},
                                    {"contact", "NAME", "the person to ask for"},
                                    {"phone", "PHONE", "digits, spaces and + - ( ) /"},
                                    {"email", "ADDRESS", "e-mail address"}};
  c.push_back({"customer", "add", {"CODE"}, "add a customer (the code as the customer is known: 'Bakery Oy')", contact,
               [](Node& n, const Args& a) {
                 return shown(Customers(n).add({a.pos(0), a.get("name"), a.get("contact"), a.get("phone"), a.get("email")}));
               }});
  c.push_back({"customer", "set", {"CODE"}, "change a customer's fields (only those given)", contact,
               [](Node& n, const Args& a) {
                 CustomerEdit e{a.pos(0), {}, {}, {}, {}};
                 for (auto [option, field] : {std::pair{"name", &e.name}, {"contact", &e.contact}, {"phone", &e.phone},
                                              {"email", &e.email}})
                   if (a.has(option)) *field = a.get(option);
                 return shown(Customers(n).set(e));
               }});
  c.push_back({"customer", "list", {}, "list customers", {},
               [](Node& n, const Args&) { return shown(Customers(n).list()); }});
  c.push_back({"customer", "show", {"CODE"},
               "a customer's history: units with warranty, cases with reopen counts, shipments; newest first", {},
               [](Node& n, const Args& a) { return shown(Customers(n).show(a.pos(0))); }});
  c.push_back({"customer", "migrate", {},
               "make customers and sites of the names that cases, shipments and units carry as text",
               {{"dry-run", "", "list what it would make, write nothing"}},
               [](Node& n, const Args& a) { return shown(Customers(n).migrate(a.flag("dry-run"))); }});
  c.push_back({"site", "add", {"CODE"}, "add a customer's site ('Plant 3')",
               {{"customer", "CODE", "the customer it belongs to", true}, {"address", "TEXT", "street, town"}},
               [](Node& n, const Args& a) {
                 return shown(Customers(n).addSite({a.get("customer"), a.pos(0), a.get("address")}));
               }});
  c.push_back({"site", "set", {"CODE"}, "change a site's address",
               {{"customer", "CODE", "the customer it belongs to", true}, {"address", "TEXT", "street, town", true}},
               [](Node& n, const Args& a) {
                 return shown(Customers(n).setSite({a.get("customer"), a.pos(0), a.get("address")}));
               }});
  c.push_back({"site", "list", {}, "list sites", {{"customer", "CODE", "only this customer's"}},
               [](Node& n, const Args& a) { return shown(Customers(n).sites(a.get("customer"))); }});

  c.push_back({"unit", "register", {"ITEM", "SERIAL"}, "register a device (trimmed, upper-cased serial)",
               {{"build", "CODE", "build code"}, {"customer", "CODE", "owner (a known customer)"}, {"site", "CODE", "the customer's site"},
                {"manufactured", "DATE", "manufacturing date"}, kOrder, kLine},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(made, optTime(a, "manufactured"));
                 TRY(line, orderLine(a));
                 return shown(Catalogue(n).registerUnit({a.pos(0), a.pos(1), a.get("build"), a.get("customer"),
                                                         a.get("site"), made, a.get("order"), line}));
               }});
  c.push_back({"unit", "install", {"ITEM", "SERIAL"}, "install a registered unit at a customer site",
               {{"customer", "CODE", "a known customer", true}, {"site", "CODE", "the customer's site"},
                {"parent-item", "ITEM", "installed into this device's item"},
                {"parent-serial", "SERIAL", "installed into this device"}, kAt,
                {"force", "", "record it anyway: a serial this device does not know (registered), or one it has in stock"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(at, optTime(a));
                 return shown(Catalogue(n).installUnit({a.pos(0), a.pos(1), a.get("customer"), a.get("site"),
                                                        a.get("parent-item"), a.get("parent-serial"), at,
                                                        a.flag("force")}));
               }});
  c.push_back({"unit", "show", {"ITEM", "SERIAL"}, "a unit's warranty and history", {},
               [](Node& n, const Args& a) { return shown(Catalogue(n).unitHistory(a.pos(0), a.pos(1))); }});
  c.push_back({"unit", "list", {}, "list units with place, state and warranty", {},
               [](Node& n, const Args&) { return shown(Catalogue(n).units()); }});
  c.push_back({"unit", "import", {"FILE"},
               "import units from CSV (columns: item, serial, build_code, customer, site, manufactured_on, order, order_line)",
               {{"dry-run", "", "check and count, write nothing"},
                {"delimiter", "C", "the separator: , ; or tab (default: detected from the header)"}},
               nullptr});

  c.push_back({"case", "open", {}, "open a service case",
               {{"customer", "CODE", "a known customer (default: the unit's)"}, {"site", "CODE", "the customer's site"},
                {"item", "ITEM", "the unit's item"}, {"serial", "SERIAL", "the unit's serial"},
                {"problem", "TEXT", "what is wrong", true},
                {"priority", "P", "low, normal (default), high or urgent"}, kAt},
               [](Node& n, const Args& a) -> Result<Table> {
                 Priority p = Priority::normal;
                 if (a.has("priority")) {
                   TRY(parsed, parseName<Priority>(a.get("priority"), "--priority"));
                   p = parsed;
                 }
                 TRY(at, optTime(a));
                 return shown(Cases(n).open(
                     {a.get("customer"), a.get("site"), a.get("item"), a.get("serial"), a.get("problem"), p, at}));
               }});
  c.push_back({"case", "edit", {"CASE"}, "change a case's priority or problem (only those given)",
               {{"priority", "P", "low, normal, high or urgent"}, {"problem", "TEXT", "what is wrong"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 CaseEdit e;
                 if (a.has("priority")) {
                   TRY(p, parseName<Priority>(a.get("priority"), "--priority"));
                   e.priority = p;
                 }
                 if (a.has("problem")) e.problem = a.get("problem");
                 TRY(row, Cases(n).edit(a.pos(0), e));
                 return toTable(std::vector<CaseRow>{row});
               }});
  c.push_back({"case", "schedule", {"CASE"}, "schedule a visit",
               {{"technician", "NAME", "who goes", true}, {"from", "TIME", "window start", true},
                {"to", "TIME", "window end", true},
                {"at", "TIME", "when it was scheduled (the case becomes scheduled then), UTC; default now"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(from, parseTime(a.get("from"), "--from"));
                 TRY(to, parseTime(a.get("to"), "--to"));
                 TRY(at, optTime(a));
                 return shown(Cases(n).schedule(a.pos(0), a.get("technician"), from, to, at));
               }});
  const Option kForceStatus{"force", "", "record it even if this device's view of the case disagrees"};
  c.push_back({"case", "set", {"CASE", "STATUS"}, "change status along the case state machine", {kAt, kForceStatus},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(to, parseName<CaseStatus>(a.pos(1), "STATUS"));
                 return caseTo(n, a, to);
               }});
  for (auto [verb, to, summary] : {std::tuple{"start", CaseStatus::in_progress, "work starts (in_progress)"},
                                   {"hold", CaseStatus::on_hold, "work waits (on_hold)"},
                                   {"resolve", CaseStatus::resolved, "the problem is fixed (resolved)"},
                                   {"close", CaseStatus::closed, "close a resolved case"},
                                   {"reopen", CaseStatus::reopened, "the customer is not satisfied (counted)"},
                                   {"cancel", CaseStatus::cancelled, "cancel the case (terminal)"}})
    c.push_back({"case", verb, {"CASE"}, summary, {kAt, kForceStatus},
                 [to = to](Node& n, const Args& a) { return caseTo(n, a, to); }});
  c.push_back({"case", "log", {"CASE", "TEXT"}, "add a work-log activity (text starting with '-': after --)", {kAt},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(at, optTime(a));
                 return shown(Cases(n).log(a.pos(0), a.pos(1), at), "activity");
               }});
  c.push_back({"case", "part", {"CASE", "ITEM"}, "use a part from a van on the case",
               {{"from", "VAN", "the van the part comes from", true}, kQty, kSerial, kAt, kForce},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(qty, optQty(a));
                 TRY(at, optTime(a));
                 return shown(Cases(n).usePart(a.pos(0), {MoveKind::consumption, a.pos(1), a.get("from"), "", qty,
                                                          a.all("serial"), at, "", a.flag("force")}));
               }});
  c.push_back({"case", "signoff", {"CASE"}, "the customer signs off",
               {{"name", "NAME", "who signed", true}, kSignature, kAt},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(at, optTime(a));
                 TRY(image, imageFile(a, "signature"));
                 return shown(Cases(n).signOff(a.pos(0), a.get("name"), at, image), "signed_by");
               }});
  c.push_back({"case", "show", {"CASE"}, "a case's history", {},
               [](Node& n, const Args& a) { return shown(Cases(n).show(a.pos(0))); }});
  c.push_back({"case", "list", {}, "list cases with status", {}, [](Node& n, const Args&) { return shown(Cases(n).list()); }});

  const std::vector<Option> moving{kQty, kSerial, kAt, kForce};
  auto with = [&](std::vector<Option> first) {
    first.insert(first.end(), moving.begin(), moving.end());
    return first;
  };
  c.push_back({"stock", "receive", {"ITEM"}, "goods receipt (unknown serials are registered)",
               with({{"to", "LOC", "where the goods go", true}, {"from", "LOC", "default SUPPLIER"}}),
               [](Node& n, const Args& a) { return move(n, a, MoveKind::receipt, a.get("from"), a.get("to")); }});
  c.push_back({"stock", "issue", {"ITEM"}, "issue goods (exit slip)",
               with({{"from", "LOC", "where the goods leave", true}, {"to", "LOC", "default CUSTOMER"}}),
               [](Node& n, const Args& a) { return move(n, a, MoveKind::issue, a.get("from"), a.get("to")); }});
  c.push_back({"stock", "transfer", {"ITEM"}, "direct transfer between two locations",
               with({{"from", "LOC", "source", true}, {"to", "LOC", "destination", true}}),
               [](Node& n, const Args& a) { return move(n, a, MoveKind::transfer, a.get("from"), a.get("to")); }});
  c.push_back({"stock", "send", {"ITEM"}, "send into transit (step 1 of a transfer via transit)",
               with({{"from", "LOC", "source", true}, {"via", "LOC", "transit location, default TRANSIT"}}),
               [](Node& n, const Args& a) { return move(n, a, MoveKind::transit_out, a.get("from"), a.get("via")); }});
  c.push_back({"stock", "arrive", {"DOC"}, "receive a transfer left in transit (step 2): all of it, or what is named",
               {{"to", "LOC", "destination", true},
                {"serial", "S", "a serial that arrived (repeat for each); differences are a transit exception", false,
                 true},
                {"qty", "Q", "how much arrived, for items not tracked by serial"},
                {"item", "ITEM", "which item the serials or the quantity are of, when the transfer holds several"},
                kAt,
                {"force", "", "record what arrived even if this node knows of no such serial or quantity sent"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(at, optTime(a));
                 TRY(qty, optQty(a));
                 return shown(
                     Stock(n).arrive({a.pos(0), a.get("to"), a.all("serial"), qty, a.get("item"), at, a.flag("force")}));
               }});
  c.push_back({"stock", "return", {"ITEM"}, "customer return",
               with({{"to", "LOC", "where the goods go", true}, {"from", "LOC", "default CUSTOMER"}}),
               [](Node& n, const Args& a) { return move(n, a, MoveKind::customer_return, a.get("from"), a.get("to")); }});
  c.push_back({"stock", "adjust", {"ITEM"}, "adjust a balance by a signed quantity",
               {{"location", "LOC", "where", true}, {"qty", "Q", "signed change, e.g. -2", true},
                {"reason", "TEXT", "why", true}, kAt, kForce},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(qty, parseQty(a.get("qty"), "--qty"));
                 if (qty == 0) return Error{Errc::invalid_input, "--qty: an adjustment cannot be 0"};
                 TRY(at, optTime(a));
                 const bool up = qty > 0;
                 return shown(Stock(n).move({MoveKind::adjustment, a.pos(0), up ? "LOSS" : a.get("location"),
                                             up ? a.get("location") : "LOSS", up ? qty : -qty, {}, at, a.get("reason"),
                                             a.flag("force")}));
               }});
  c.push_back({"stock", "count", {"ITEM"}, "record what was counted: the balance from then on (the variance is derived)",
               {{"location", "LOC", "where", true}, {"qty", "Q", "counted quantity (a serial-tracked item: 0 when none)"},
                {"serial", "S", "a serial found (repeat for each); serials not found are missing from then on", false,
                 true},
                kAt, {"force", "", "record it even if a later movement would then go below zero or a serial was elsewhere"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(qty, optQty(a));
                 TRY(at, optTime(a));
                 return shown(Stock(n).count({a.pos(0), a.get("location"), qty, a.all("serial"), at, a.flag("force")}));
               }});
  c.push_back({"stock", "ledger", {"ITEM"}, "an item's movements and counts at a location, with the balance after each",
               {{"location", "LOC", "where", true}},
               [](Node& n, const Args& a) { return shown(Stock(n).ledger(a.pos(0), a.get("location"))); }});
  c.push_back({"stock", "scrap", {"ITEM"}, "scrap goods",
               with({{"from", "LOC", "where", true}, {"reason", "TEXT", "why"}}),
               [](Node& n, const Args& a) { return move(n, a, MoveKind::scrap, a.get("from"), ""); }});
  c.push_back({"stock", "balance", {}, "stock on hand", {{"item", "ITEM", "only this item"}, {"location", "LOC", "only here"}},
               [](Node& n, const Args& a) { return shown(Stock(n).balances(a.get("item"), a.get("location"))); }});
  c.push_back({"stock", "low", {}, "balances below their low-stock threshold, by location (docs/data-model.md, Stock rules)",
               {{"location", "LOC", "only here"}},
               [](Node& n, const Args& a) { return shown(Stock(n).low(a.get("location"))); }});
  c.push_back({"stock", "rule", {}, "set a stock rule: a threshold for an item at a location, or whether stock may go "
                                    "below zero (only what is given changes)",
               {{"item", "ITEM", "the item (none: every item, with --kind)"},
                {"location", "LOC", "the location (a van, a bench, a warehouse)"},
                {"kind", "KIND", "every location of this kind (warehouse, bin, van or repair) instead of one"},
                {"low-stock", "Q", "'stock low' lists the item here below Q (0: never; default: the item's threshold)"},
                {"negative", "RULE", "allow, deny or default (the next rule decides)"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 StockRuleSpec spec;
                 spec.item = a.get("item");
                 spec.location = a.get("location");
                 if (a.has("kind")) {
                   TRY(kind, parseName<LocationKind>(a.get("kind"), "--kind"));
                   spec.kind = kind;
                 }
                 if (a.get("low-stock") == "default") {
                   spec.clear_low_stock = true;
                 } else {
                   TRY(low, optQty(a, "low-stock"));
                   spec.low_stock = low;
                 }
                 if (a.has("negative")) {
                   const std::string rule = a.get("negative");
                   if (rule == "default") spec.clear_allow_negative = true;
                   else if (rule == "allow" || rule == "deny") spec.allow_negative = rule == "allow";
                   else return Error{Errc::invalid_input, "--negative: '" + rule + "' is not allow, deny or default"};
                 }
                 return shown(Stock(n).setRule(spec));
               }});
  c.push_back({"stock", "rules", {}, "list the stock rules set", {}, [](Node& n, const Args&) { return shown(Stock(n).rules()); }});
  c.push_back({"stock", "policy", {"ITEM", "LOC"}, "the threshold and negative-stock rule that apply to an item at a "
                                                   "location, and which rule each comes from", {},
               [](Node& n, const Args& a) { return shown(Stock(n).policy(a.pos(0), a.pos(1))); }});

  auto visitStep = [](VisitStatus to) {
    return [to](Node& n, const Args& a) -> Result<Table> {
      TRY(at, optTime(a));
      TRY(from, optTime(a, "follow-up-from"));
      TRY(until, optTime(a, "follow-up-to"));
      return shown(Visits(n).step(a.pos(0), {to, at, a.get("reason"), from, until, a.get("technician"), a.flag("force")}));
    };
  };
  const Option visit_force{"force", "", "record it though the visit's history as this device knows it forbids it"};
  c.push_back({"visit", "travel", {"VISIT"}, "the technician is on the way", {kAt, visit_force},
               visitStep(VisitStatus::travelling)});
  c.push_back({"visit", "arrive", {"VISIT"}, "the technician is on site", {kAt, visit_force},
               visitStep(VisitStatus::on_site)});
  c.push_back({"visit", "complete", {"VISIT"}, "the visit's work is done (the case's own status is set with case resolve)",
               {kAt, visit_force}, visitStep(VisitStatus::completed)});
  c.push_back({"visit", "fail", {"VISIT"}, "the visit cannot complete; the case stays open, a follow-up may be scheduled",
               {{"reason", "TEXT", "why (part missing, no access, customer absent, ...)", true},
                {"follow-up-from", "TIME", "schedule a follow-up visit from then, UTC"},
                {"follow-up-to", "TIME", "until then, UTC"},
                {"technician", "NAME", "the follow-up's technician (default: the same)"},
                kAt, visit_force},
               visitStep(VisitStatus::cannot_complete)});
  c.push_back({"visit", "list", {}, "visits by window start: a technician's day",
               {{"technician", "NAME", "only this technician's"}, {"date", "DATE", "only those whose window overlaps this UTC day"},
                {"case", "CASE", "only this case's"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 std::optional<std::int64_t> day;
                 if (a.has("date")) {
                   const std::string date = a.get("date");
                   if (date.size() != 10) return Error{Errc::invalid_input, "--date: give a day, like 2026-11-21"};
                   TRY(d, parseTime(date, "--date"));
                   day = d;
                 }
                 return shown(Visits(n).list(a.get("technician"), day, a.get("case")));
               }});

  c.push_back({"attachment", "list", {}, "signatures and photos held or referred to, and what of each is held and sent", {},
               [](Node& n, const Args&) { return shown(Attachments(n).list()); }});
  c.push_back({"attachment", "save", {"REF", "FILE"}, "write an attachment (sha256:...) to a file", {},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(bytes, Attachments(n).bytes(a.pos(0)));
                 std::ofstream out(a.pos(1), std::ios::binary | std::ios::trunc);
                 if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !out.flush())
                   return Error{Errc::invalid_input, "FILE: cannot write '" + a.pos(1) + "'"};
                 return Table{{"attachment", "file", "bytes"},
                              {{a.pos(0), a.pos(1), static_cast<std::int64_t>(bytes.size())}}};
               }});
  c.push_back({"period", "close", {}, "close the stock ledger through a day: postings dated inside are refused",
               {{"branch", "NAME", "the branch (default: the whole company, administrators only)"},
                {"through", "DATE", "the period's last day, like 2026-10-31 (UTC); an earlier one reopens", true}},
               [](Node& n, const Args& a) { return shown(Periods(n).close({a.get("branch"), a.get("through")})); }});
  c.push_back({"period", "list", {}, "the closes in force, per branch", {},
               [](Node& n, const Args&) { return shown(Periods(n).list()); }});
  c.push_back({"exceptions", "list", {}, "business-rule violations found when offline work merged (open ones)",
               {{"all", "", "resolved ones too"}},
               [](Node& n, const Args& a) { return shown(Exceptions(n).list(a.flag("all"))); }});
  c.push_back({"exceptions", "show", {"EXCEPTION"}, "what an exception is about and what to do", {},
               [](Node& n, const Args& a) { return shown(Exceptions(n).show(a.pos(0))); }});
  c.push_back({"exceptions", "resolve", {"EXCEPTION"}, "resolve an exception (an op that syncs everywhere)",
               {{"note", "TEXT", "how it was resolved", true},
                {"adjust", "Q", "also post a stock adjustment of Q at the location, now (negative_stock)"},
                {"transfer-from", "LOC", "or a transfer of the shortfall from LOC, dated before it went below zero"}},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(adjust, optQty(a, "adjust"));
                 return shown(Exceptions(n).resolve(a.pos(0), {a.get("note"), adjust, a.get("transfer-from")}));
               }});
  c.push_back({"shipment", "create", {}, "create a shipment",
               {{"customer", "CODE", "the receiving customer (a known one)", true}, {"site", "CODE", "the customer's site"},
                {"from", "LOC", "where the goods leave", true}, {"driver", "NAME", "who delivers it"}},
               [](Node& n, const Args& a) {
                 return shown(Shipments(n).create(a.get("customer"), a.get("site"), a.get("from"), a.get("driver")));
               }});
  c.push_back({"shipment", "add", {"SHIPMENT", "ITEM"}, "add a line (before dispatch)",
               {kQty, kSerial, kOrder, kLine, kForce},
               [](Node& n, const Args& a) -> Result<Table> {
                 TRY(qty, optQty(a));
                 TRY(line, orderLine(a));
                 return shown(Shipments(n).addLine(a.pos(0), a.pos(1), qty, a.all("serial"), a.flag("force"),
                                                   {a.get("order"), line}));
               }});
  for (auto [verb, to, summary] :
       {std::tuple{"ready", ShipmentStatus::ready, "packed and ready"},
        {"dispatch", ShipmentStatus::dispatched, "goods leave (moves stock into transit)"},
        {"in-transit", ShipmentStatus::in_transit, "a tracking scan on the way"},
        {"out-for-delivery", ShipmentStatus::out_for_delivery, "on the last leg"},
        {"returning", ShipmentStatus::returning, "on its way back"},
        {"returned", ShipmentStatus::returned, "back at origin (moves stock back)"},
        {"cancel", ShipmentStatus::cancelled, "cancel (only before dispatch)"}})
    c.push_back({"shipment", verb, {"SHIPMENT"}, summary, {kAt, kForce},
                 [to = to](Node& n, const Args& a) { return trackTo(n, a, to); }});
  c.push_back({"shipment", "deliver", {"SHIPMENT"}, "delivered, with proof; or partially, less what was refused",
               {{"recipient", "NAME", "who received it", true}, kSignature,
                {"proof", "TEXT", "a proof's reference instead of --signature (a photo's hash, a slip number)"},
                {"place", "TEXT", "where"},
                {"serial", "S", "a serial handed over (repeat; default: every one not refused)", false, true},
                {"refused", "S", "a serial the customer refused: it goes back, no warranty (repeat)", false, true},
                {"refused-qty", "ITEM=Q", "a quantity of an untracked item refused (repeat)", false, true},
                {"reason", "CODE", "why it was refused: refused or damaged (needed with --refused, --refused-qty)"}, kAt, kForce},
               [](Node& n, const Args& a) { return trackTo(n, a, ShipmentStatus::delivered); }});
  c.push_back({"shipment", "fail", {"SHIPMENT"}, "a delivery attempt failed",
               {{"reason", "CODE", "not_home, refused, address_wrong or damaged", true}, kAt, kForce},
               [](Node& n, const Args& a) { return trackTo(n, a, ShipmentStatus::attempt_failed); }});
  c.push_back({"shipment", "show", {"SHIPMENT"}, "lines and tracking", {},
               [](Node& n, const Args& a) { return shown(Shipments(n).show(a.pos(0))); }});
  c.push_back({"shipment", "list", {}, "list shipments with status", {},
               [](Node& n, const Args&) { return shown(Shipments(n).list()); }});
  return c;
}

namespace {

const std::map<std::string, std::string> kPositionals{
    {"CODE", "the code (trimmed, upper-cased)"},   {"ITEM", "an item code"},
    {"SERIAL", "a serial number"},                 {"CASE", "a case number (C-...) or id"},
    {"STATUS", "the status to enter"},              {"TEXT", "what was done"},
    {"LOC", "a location code"},                    {"VISIT", "a visit number (V-...) or id"},
    {"DOC", "a transfer's document number (D-...) or id"}, {"SHIPMENT", "a shipment number (S-...) or id"},
    {"EXCEPTION", "an exception number (X-...) or id"},    {"FILE", "a file"},
    {"REF", "an attachment reference (sha256: and 64 hex digits)"},
    {"STRING", "the enrollment string (fs1:...) from fieldsync-server enroll-token"}};

// The command line: one CLI11 subcommand per noun, one per verb below it.
CLI::App* addCommand(CLI::App& app, std::map<std::string, CLI::App*>& nouns, std::deque<bool>& flags,
                     const Command& c) {
  CLI::App* parent = &app;
  if (!c.verb.empty()) {
    auto& noun = nouns[c.noun];
    if (!noun) {
      noun = app.add_subcommand(c.noun, c.noun + " commands");
      noun->require_subcommand(1);
    }
    parent = noun;
  }
  CLI::App* sub = parent->add_subcommand(c.verb.empty() ? c.noun : c.verb, c.summary);
  for (const std::string& p : c.positional) sub->add_option(p, kPositionals.at(p))->required();
  for (const Option& o : c.options) {
    const std::string flag = "--" + o.name;
    if (o.arg.empty()) {  // bound to a bool, so that --force=false means false and --force=maybe is refused
      sub->add_flag(flag, flags.emplace_back(false), o.help);
      continue;
    }
    CLI::Option* opt = sub->add_option(flag, o.help)->type_name(o.arg);
    if (o.repeat) opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    if (o.required) opt->required();
  }
  return sub;
}
}  // namespace


CommandLine::CommandLine() {
  app.require_subcommand(1);
  const std::string exit_codes =
      "exit codes: 0 ok, 1 internal error, 2 usage error, 3 input refused,\n"
      "            4 try again later: the server could not be reached or was busy, or a disk is full\n"
      "              (local work is kept)";
  app.footer(exit_codes);  // every command's help inherits it
  app.add_option("--db", db, "the node database")->type_name("FILE")->envname("FIELDSYNC_DB");
  app.add_flag("--json", json, "print results as JSON");
  for (const Command& c : all) subs.push_back(addCommand(app, nouns_, flags_, c));
  app.footer("Run 'fieldsync COMMAND --help' or 'fieldsync NOUN VERB --help' for a command's options.\n" + exit_codes);
}

const Command& CommandLine::command() const {
  std::size_t i = 0;
  while (!subs[i]->parsed()) ++i;  // CLI11 required exactly one command
  return all[i];
}

Args CommandLine::args() const {
  std::size_t i = 0;
  while (!subs[i]->parsed()) ++i;
  return Args(*subs[i], all[i].positional);
}

}  // namespace fieldsync::node::cli
