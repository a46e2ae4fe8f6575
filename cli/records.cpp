#include "cli/records.h"

namespace fieldsync::cli {
namespace {

using node::name;

Cell text(std::string_view s) { return std::string(s); }
Cell count(std::uint64_t n) { return static_cast<std::int64_t>(n); }
Cell time(std::optional<std::int64_t> ms) { return ms ? Cell{Time{*ms}} : Cell{}; }

// A history with a summary line first: at, event, detail.
Table history(const std::string& what, const std::string& summary, const std::vector<node::HistoryEntry>& events) {
  Table t{{"at", "event", "detail"}, {{std::monostate{}, what, summary}}};
  for (const auto& e : events) t.rows.push_back({e.at ? Cell{Time{e.at}} : Cell{}, e.event, e.detail});
  return t;
}

}  // namespace

Table toTable(const node::NodeStatus& s) {
  Table t{{"key", "value"}, {}};
  auto row = [&](const char* k, Cell v) { t.rows.push_back({std::string(k), std::move(v)}); };
  row("node", s.node.hex());
  row("company", s.company);
  row("schema_version", std::int64_t{s.schema_version});
  row("ops", count(s.ops));
  row("own_ops", count(s.own_ops));
  row("clock", Time{s.clock});
  row("server", s.server);
  row("branch", s.branch);
  row("role", s.role);
  row("person", s.person);
  row("pending_ops", count(s.pending_ops));
  row("last_sync", time(s.last_sync));
  row("cursor", count(s.cursor));
  row("items", count(s.items));
  row("locations", count(s.locations));
  row("units", count(s.units));
  row("cases", count(s.cases));
  row("shipments", count(s.shipments));
  return t;
}

Table toTable(const node::Enrolled& e) {
  return {{"node", "server", "company", "branch", "role", "person", "server_key"},
          {{e.node.hex(), e.server, e.company, e.branch, e.role, e.person, e.server_key}}};
}

Table toTable(const node::SyncReport& r) {
  return {{"pushed", "pulled", "acked", "cursor", "bytes_out", "bytes_in", "clock_offset_ms", "attachments_sent",
           "attachments_received", "attachments_waiting", "dropped"},
          {{count(r.pushed), count(r.pulled), count(r.watermark), count(r.cursor), count(r.bytes_out),
            count(r.bytes_in), r.clock_offset_ms, count(r.attachments_sent), count(r.attachments_received),
            count(r.attachments_waiting), count(r.dropped)}}};
}

Table toTable(const std::vector<node::DeviceInfo>& all) {
  Table t{{"device", "branch", "role", "person", "enrolled", "last_contact", "clock_offset_ms", "revoked"}, {}};
  for (const auto& d : all)
    t.rows.push_back({d.node.hex(), d.branch, d.role, d.person, Time{d.enrolled_at}, time(d.last_contact ? std::optional(d.last_contact) : std::nullopt),
                      d.clock_offset_ms, time(d.revoked_at)});
  return t;
}

namespace {
std::vector<Cell> itemRow(const node::ItemView& i) {
  return {i.code, i.name, i.serial_tracked, i.warranty_days, Qty{i.low_stock}};
}
std::vector<Cell> locationRow(const node::LocationView& l) {
  return {l.code, l.name, text(name(l.kind)), l.technician, l.allow_negative, l.branch};
}
const std::vector<std::string> kItemColumns{"item", "name", "serial_tracked", "warranty_days", "low_stock"};
const std::vector<std::string> kLocationColumns{"location", "name", "kind", "technician", "allow_negative", "branch"};

template <class Row, class F>
Table rows(std::vector<std::string> columns, const std::vector<Row>& all, F row) {
  Table t{std::move(columns), {}};
  for (const Row& r : all) t.rows.push_back(row(r));
  return t;
}
}  // namespace

Table toTable(const node::ItemSaved& r) {
  Table t{kItemColumns, {itemRow(r.item)}};
  t.columns.push_back("result");
  t.rows[0].push_back(text(name(r.result)));
  return t;
}
Table toTable(const std::vector<node::ItemView>& items) { return rows(kItemColumns, items, itemRow); }

Table toTable(const node::LocationSaved& r) {
  Table t{kLocationColumns, {locationRow(r.location)}};
  t.columns.push_back("result");
  t.rows[0].push_back(text(name(r.result)));
  return t;
}
Table toTable(const std::vector<node::LocationView>& locations) {
  return rows(kLocationColumns, locations, locationRow);
}

Table toTable(const node::UnitRegistered& r) {
  return {{"unit", "item", "serial", "result"}, {{r.unit.hex(), r.item, r.serial, text(name(r.result))}}};
}

Table toTable(const node::UnitInstalled& r) {
  return {{"unit", "item", "serial", "customer", "site", "installed"},
          {{r.unit.hex(), r.item, r.serial, r.customer, r.site, Time{r.at}}}};
}

namespace {
std::vector<Cell> customerRow(const node::CustomerView& c) { return {c.code, c.name, c.contact, c.phone, c.email}; }
std::vector<Cell> siteRow(const node::SiteView& s) { return {s.customer, s.code, s.address}; }
const std::vector<std::string> kCustomerColumns{"customer", "name", "contact", "phone", "email"};
const std::vector<std::string> kSiteColumns{"customer", "site", "address"};
// One row and its result ("created", "updated", "unchanged").
Table saved(std::vector<std::string> columns, std::vector<Cell> row, node::Saved result) {
  columns.push_back("result");
  row.push_back(text(name(result)));
  return {std::move(columns), {std::move(row)}};
}
}  // namespace

Table toTable(const node::CustomerSaved& r) { return saved(kCustomerColumns, customerRow(r.customer), r.result); }
Table toTable(const std::vector<node::CustomerView>& all) { return rows(kCustomerColumns, all, customerRow); }
Table toTable(const node::SiteSaved& r) { return saved(kSiteColumns, siteRow(r.site), r.result); }
Table toTable(const std::vector<node::SiteView>& all) { return rows(kSiteColumns, all, siteRow); }

Table toTable(const node::CustomerHistory& h) {
  const node::CustomerView& c = h.customer;
  std::string who = c.code + (c.name != c.code ? " (" + c.name + ")" : "");
  for (const std::string& part : {c.contact, c.phone, c.email})
    if (!part.empty()) who += ", " + part;
  return history("customer",
                 who + ": " + std::to_string(h.units) + " unit(s), " + std::to_string(h.cases) + " case(s) (" +
                     std::to_string(h.open_cases) + " open), " + std::to_string(h.shipments) + " shipment(s)",
                 h.events);
}

Table toTable(const node::CustomersMigrated& m) {
  Table t{{"made", "customer", "site", "note", "dry_run"}, {}};
  for (const std::string& c : m.customers) t.rows.push_back({text("customer"), c, {}, {}, m.dry_run});
  for (const auto& [c, s] : m.sites) t.rows.push_back({text("site"), c, s, {}, m.dry_run});
  for (const std::string& why : m.skipped) t.rows.push_back({text("skipped"), {}, {}, why, m.dry_run});
  return t;
}

Table toTable(const node::UnitHistory& h) {
  const node::UnitView& u = h.unit;
  const std::string cover =
      u.warranty_end ? std::string(h.under_warranty ? "under warranty" : "out of warranty") + " until " +
                           node::formatTime(*u.warranty_end)
                     : "no warranty start yet (not delivered or installed)";
  return history("unit",
                 u.item + " " + u.serial + (u.build_code.empty() ? "" : ", build " + u.build_code) +
                     (u.customer.empty() ? "" : ", " + u.customer + (u.site.empty() ? "" : " / " + u.site)) +
                     (u.order.empty() ? "" : ", order " + u.order + " line " + std::to_string(u.order_line)) + ", " + cover,
                 h.events);
}

Table toTable(const std::vector<node::UnitView>& units) {
  return rows({"item", "serial", "build_code", "customer", "site", "parent", "location", "state", "warranty_start",
               "warranty_end", "order", "order_line"},
              units, [](const node::UnitView& u) -> std::vector<Cell> {
                return {u.item,     u.serial,           u.build_code,          u.customer,          u.site,
                        u.parent,   u.location,         text(name(u.state)),  time(u.warranty_start),
                        time(u.warranty_end), u.order, u.order_line ? Cell{u.order_line} : Cell{}};
              });
}

Table toTable(const node::ImportSummary& s, bool dry_run) {
  return {{"read", "created", "updated", "unchanged", "duplicates", "invalid", "dry_run"},
          {{count(s.read), count(s.created), count(s.updated), count(s.unchanged), count(s.duplicates),
            count(s.invalid), dry_run}}};
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

Table toTable(const node::MovePosted& m) {
  const std::string items = joined(m.items);
  return {{"doc", "kind", "item", "from", "to", "qty", "serials", "at", "forced"},
          {{m.number.empty() ? Cell{} : Cell{m.number}, text(name(m.kind)), items, m.from, m.to, Qty{m.qty}, m.serials,
            Time{m.at}, m.forced}}};
}

Table toTable(const node::CountPosted& c) {
  return {{"doc", "item", "location", "counted", "variance", "missing", "at", "forced"},
          {{c.number, c.item, c.location, Qty{c.counted}, Qty{c.variance}, joined(c.missing), Time{c.at}, c.forced}}};
}

Table toTable(const std::vector<node::LedgerRow>& all) {
  return rows({"at", "doc", "kind", "change", "counted", "balance", "variance", "forced"}, all,
              [](const node::LedgerRow& r) -> std::vector<Cell> {
                return {Time{r.at},
                        r.doc,
                        text(name(r.kind)),
                        r.counted ? Cell{} : Cell{Qty{r.change}},
                        r.counted ? Cell{Qty{*r.counted}} : Cell{},
                        Qty{r.balance},
                        r.counted ? Cell{Qty{r.variance}} : Cell{},
                        r.forced};
              });
}

Table toTable(const std::vector<node::BalanceRow>& all) {
  return rows({"item", "location", "qty", "counted_at", "variance"}, all, [](const node::BalanceRow& b) -> std::vector<Cell> {
    return {b.item, b.location, Qty{b.qty}, time(b.counted_at), b.counted_at ? Cell{Qty{b.variance}} : Cell{}};
  });
}

Table toTable(const std::vector<node::LowStockRow>& all) {
  return rows({"location", "item", "qty", "low_stock", "rule"}, all, [](const node::LowStockRow& b) -> std::vector<Cell> {
    return {b.location, b.item, Qty{b.qty}, Qty{b.low_stock}, b.rule};
  });
}

namespace {
std::vector<Cell> ruleCells(const node::StockRuleView& r) {
  return {r.item, r.location, r.kind, r.low_stock ? Cell{Qty{*r.low_stock}} : Cell{},
          r.allow_negative ? Cell{text(*r.allow_negative ? "allow" : "deny")} : Cell{}};
}
}  // namespace

Table toTable(const node::StockRuleSaved& r) {
  Table t{{"item", "location", "kind", "low_stock", "negative", "result"}, {ruleCells(r.rule)}};
  t.rows[0].push_back(text(name(r.result)));
  return t;
}

Table toTable(const std::vector<node::StockRuleView>& all) {
  return rows({"item", "location", "kind", "low_stock", "negative"}, all, ruleCells);
}

Table toTable(const node::StockPolicyView& p) {
  return {{"item", "location", "low_stock", "low_stock_rule", "negative", "negative_rule"},
          {{p.item, p.location, Qty{p.low_stock}, p.low_stock_rule, text(p.allow_negative ? "allow" : "deny"),
            p.negative_rule}}};
}

namespace {
const std::vector<std::string> kVisitColumns{"visit", "case", "customer", "site", "technician", "from", "to",
                                             "status", "reason", "follow_up_of"};
std::vector<Cell> visitCells(const node::VisitRow& v) {
  return {v.visit, v.case_number, v.customer, v.site, v.technician, Time{v.from}, Time{v.to},
          text(name(v.status)), v.reason, v.follow_up_of};
}
}  // namespace

Table toTable(const node::VisitStepped& r) {
  Table t{kVisitColumns, {visitCells(r.visit)}};
  t.columns.insert(t.columns.end(), {"from_status", "at", "follow_up"});
  t.rows[0].insert(t.rows[0].end(), {text(name(r.from)), Time{r.at}, r.follow_up ? Cell{r.follow_up->number} : Cell{}});
  return t;
}

Table toTable(const std::vector<node::VisitRow>& all) { return rows(kVisitColumns, all, visitCells); }

Table toTable(const node::CaseOpened& r) {
  return {{"case", "id", "customer", "status", "opened"},
          {{r.number, r.id.hex(), r.customer, text(name(r.status)), Time{r.at}}}};
}

Table toTable(const node::VisitScheduled& r) {
  return {{"case", "visit", "number", "technician", "from", "to", "status"},
          {{r.case_number, r.visit.hex(), r.number, r.technician, Time{r.from}, Time{r.to}, text(name(r.status))}}};
}

Table toTable(const node::CaseTransitioned& r) {
  return {{"case", "from", "to", "reopen_count", "at"},
          {{r.case_number, text(name(r.from)), text(name(r.to)), r.reopen_count, Time{r.at}}}};
}

Table toTable(const node::CaseNote& r, const char* what) {
  if (std::string_view(what) == "signed_by")
    return {{"case", what, "signature", "at"}, {{r.case_number, r.text, r.proof, Time{r.at}}}};
  return {{"case", what, "at"}, {{r.case_number, r.text, Time{r.at}}}};
}

Table toTable(const node::CaseView& v) {
  const node::CaseRow& c = v.summary;
  return history("case",
                 c.number + " " + std::string(name(c.status)) + ", " + std::string(name(c.priority)) + " priority, " +
                     c.customer + (c.site.empty() ? "" : " / " + c.site) + (c.unit.empty() ? "" : ", unit " + c.unit) +
                     ": " + c.problem,
                 v.history);
}

Table toTable(const std::vector<node::CaseRow>& all) {
  return rows({"case", "customer", "site", "unit", "priority", "status", "reopen_count", "anomalies", "problem"}, all,
              [](const node::CaseRow& c) -> std::vector<Cell> {
                return {c.number, c.customer, c.site, c.unit, text(name(c.priority)), text(name(c.status)),
                        c.reopen_count, c.anomalies, c.problem};
              });
}

Table toTable(const node::ShipmentCreated& r) {
  return {{"shipment", "id", "customer", "site", "from", "status"},
          {{r.number, r.id.hex(), r.customer, r.site, r.from, text(name(r.status))}}};
}

Table toTable(const node::LineAdded& r) {
  return {{"shipment", "item", "qty", "serials", "order", "order_line"},
          {{r.shipment, r.item, Qty{r.qty}, r.serials, r.order.order,
            r.order.line ? Cell{r.order.line} : Cell{}}}};
}

Table toTable(const node::Tracked& r) {
  return {{"shipment", "from", "to", "at", "proof"},
          {{r.shipment, text(name(r.from)), text(name(r.to)), Time{r.at}, r.proof}}};
}

Table toTable(const node::ShipmentView& v) {
  const node::ShipmentRow& s = v.summary;
  Table t{{"at", "event", "detail"},
          {{std::monostate{}, std::string("shipment"),
            s.number + " " + std::string(name(s.status)) + " to " + s.customer + (s.site.empty() ? "" : " / " + s.site) +
                (s.driver.empty() ? "" : ", driver " + s.driver)}}};
  for (const auto& l : v.lines) {
    // "SEAL 5: delivered 3, refused 2"; a serial's line: "PUMP 1 serial SN-3: refused"
    std::string detail = l.item + " " + node::formatQty(l.qty) + (l.serial.empty() ? "" : " serial " + l.serial) +
                         (l.order.order.empty() ? "" : " (order " + l.order.order + " line " + std::to_string(l.order.line) + ")"),
                sep = ": ";
    for (auto [what, q] : {std::pair{"delivered", l.delivered}, {"refused", l.refused}, {"returned", l.returned}}) {
      if (!q) continue;
      detail += sep + what + (l.serial.empty() ? " " + node::formatQty(q) : "");
      sep = ", ";
    }
    t.rows.push_back({std::monostate{}, std::string("line"), detail});
  }
  for (const auto& e : v.tracking) {
    std::string detail(name(e.status));
    for (auto [label, value] : {std::pair{" recipient ", &e.recipient}, {" proof ", &e.proof}, {" place ", &e.place},
                                {" reason ", &e.reason}})
      if (!value->empty()) detail += label + *value;
    t.rows.push_back({Time{e.at}, std::string("tracking"), detail});
  }
  return t;
}

Table toTable(const std::vector<node::ShipmentRow>& all) {
  return rows({"shipment", "customer", "site", "from", "driver", "status", "attempts", "anomalies", "lines"}, all,
              [](const node::ShipmentRow& s) -> std::vector<Cell> {
                return {s.number,  s.customer,   s.site,      s.from, s.driver, text(name(s.status)),
                        s.attempts, s.anomalies, s.lines};
              });
}

Table toTable(const std::vector<node::AttachmentRow>& all) {
  return rows({"attachment", "type", "bytes", "held", "own", "sent", "used_by"}, all,
              [](const node::AttachmentRow& r) -> std::vector<Cell> {
                std::string used;
                for (const auto& u : r.used_by) used += (used.empty() ? "" : " ") + u;
                return {r.ref, r.type, count(r.size), count(r.held), r.own, r.sent, used};
              });
}

Table toTable(const std::vector<node::ExceptionRow>& all) {
  return rows({"exception", "kind", "status", "subjects", "raised"}, all,
              [](const node::ExceptionRow& x) -> std::vector<Cell> {
                return {x.number, x.kind, x.status, x.subjects, Time{x.raised}};
              });
}

Table toTable(const node::ExceptionView& v) {
  Table t{{"field", "value"}, {}};
  for (auto [label, value] : {std::pair{"exception", &v.row.number}, {"kind", &v.row.kind}, {"status", &v.row.status},
                              {"subjects", &v.row.subjects}, {"detail", &v.detail}, {"suggestion", &v.suggestion},
                              {"note", &v.note}})
    t.rows.push_back({std::string(label), *value});
  t.rows.push_back({std::string("id"), v.id.hex()});
  return t;
}

Table toTable(const node::Resolved& r) {
  return {{"exception", "status", "note", "movement", "at"},
          {{r.number, std::string("resolved"), r.note, r.movement, r.at ? Cell{Time{*r.at}} : Cell{std::string()}}}};
}

Table toTable(const node::PeriodClosed& r) {
  return {{"branch", "through", "closed_until", "before"},
          {{r.period.branch, r.period.through, Time{r.period.closed_until}, r.before}}};
}

Table toTable(const std::vector<node::PeriodRow>& all) {
  return rows({"branch", "through", "closed_until"}, all, [](const node::PeriodRow& p) -> std::vector<Cell> {
    return {p.branch, p.through, Time{p.closed_until}};
  });
}

}  // namespace fieldsync::cli
