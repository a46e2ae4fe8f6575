// The canonical export: every projection as JSON, byte-stable, so that
// nodes holding the same ops print identical bytes (docs/data-model.md).
// Its writer is the project's one hand-written JSON encoder: the bytes are
// part of the contract, so they do not depend on a library's formatting.
#include <cstdio>

#include "node/cases.h"
#include "node/catalogue.h"
#include "node/customers.h"
#include "node/exceptions.h"
#include "node/periods.h"
#include "node/visits.h"
#include "node/shipments.h"
#include "node/stock.h"

namespace fieldsync::node {
namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// One JSON object, keys in the order they are written.
class Object {
 public:
  Object& text(const char* key, std::string_view v) { return raw(key, quoted(v)); }
  Object& number(const char* key, std::int64_t v) { return raw(key, std::to_string(v)); }
  Object& qty(const char* key, std::int64_t milli) { return raw(key, formatQty(milli)); }
  Object& flag(const char* key, bool v) { return raw(key, v ? "true" : "false"); }
  Object& time(const char* key, std::optional<std::int64_t> ms) { return raw(key, ms ? quoted(formatTime(*ms)) : "null"); }
  std::string done() { return out_ + "}"; }

 private:
  Object& raw(const char* key, const std::string& value) {
    out_ += (out_.size() > 1 ? "," : "") + quoted(key) + ":" + value;
    return *this;
  }
  std::string out_ = "{";
};

template <class Row, class Write>
Result<std::string> array(Result<std::vector<Row>> rows, Write write) {
  if (!rows) return rows.error();
  std::string out = "[";
  for (const Row& r : *rows) {
    Object o;
    write(o, r);
    out += (out.size() > 1 ? "," : "") + o.done();
  }
  return out + "]";
}

}  // namespace

Result<std::string> Node::exportJson() {
  Catalogue catalogue(*this);
  const std::pair<const char*, std::function<Result<std::string>()>> sections[] = {
      {"balances", [&] {
         return array(Stock(*this).balances(), [](Object& o, const BalanceRow& b) {
           o.text("item", b.item).text("location", b.location).qty("qty", b.qty).time("counted_at", b.counted_at);
           if (b.counted_at) o.qty("variance", b.variance);
         });
       }},
      {"cases", [&] {
         return array(Cases(*this).list(), [](Object& o, const CaseRow& c) {
           o.text("case", c.number).text("customer", c.customer).text("site", c.site).text("unit", c.unit);
           o.text("priority", name(c.priority)).text("status", name(c.status));
           o.number("reopen_count", c.reopen_count).number("anomalies", c.anomalies).text("problem", c.problem);
         });
       }},
      {"customers", [&] {
         return array(Customers(*this).list(), [](Object& o, const CustomerView& c) {
           o.text("customer", c.code).text("name", c.name).text("contact", c.contact).text("phone", c.phone);
           o.text("email", c.email);
         });
       }},
      {"exceptions", [&] {
         return array(Exceptions(*this).list(true), [](Object& o, const ExceptionRow& x) {
           o.text("exception", x.number).text("kind", x.kind).text("status", x.status).text("subjects", x.subjects);
           o.time("raised", x.raised);
         });
       }},
      {"items", [&] {
         return array(catalogue.items(), [](Object& o, const ItemView& i) {
           o.text("item", i.code).text("name", i.name).flag("serial_tracked", i.serial_tracked);
           o.number("warranty_days", i.warranty_days).qty("low_stock", i.low_stock);
         });
       }},
      {"locations", [&] {
         return array(catalogue.locations(), [](Object& o, const LocationView& l) {
           o.text("location", l.code).text("name", l.name).text("kind", name(l.kind));
           o.text("technician", l.technician).flag("allow_negative", l.allow_negative).text("branch", l.branch);
         });
       }},
      {"periods", [&] {
         return array(Periods(*this).list(), [](Object& o, const PeriodRow& p) {
           o.text("branch", p.branch).text("through", p.through);
         });
       }},
      {"shipments", [&] {
         return array(Shipments(*this).list(), [](Object& o, const ShipmentRow& s) {
           o.text("shipment", s.number).text("customer", s.customer).text("site", s.site).text("from", s.from);
           o.text("driver", s.driver);
           o.text("status", name(s.status)).number("attempts", s.attempts).number("anomalies", s.anomalies);
           o.number("lines", s.lines);
         });
       }},
      {"sites", [&] {
         return array(Customers(*this).sites(), [](Object& o, const SiteView& x) {
           o.text("customer", x.customer).text("site", x.code).text("address", x.address);
         });
       }},
      {"stock_rules", [&] {
         return array(Stock(*this).rules(), [](Object& o, const StockRuleView& r) {
           o.text("item", r.item).text("location", r.location).text("kind", r.kind);
           if (r.low_stock) o.qty("low_stock", *r.low_stock);
           if (r.allow_negative) o.flag("allow_negative", *r.allow_negative);
         });
       }},
      {"units", [&] {
         return array(catalogue.units(), [](Object& o, const UnitView& u) {
           o.text("item", u.item).text("serial", u.serial).text("build_code", u.build_code);
           o.text("customer", u.customer).text("site", u.site).text("parent", u.parent);
           o.text("location", u.location).text("state", name(u.state));
           o.time("warranty_start", u.warranty_start).time("warranty_end", u.warranty_end);
           if (!u.order.empty()) o.text("order", u.order).number("order_line", u.order_line);
         });
       }},
      {"visits", [&] {
         return array(Visits(*this).list(), [](Object& o, const VisitRow& v) {
           o.text("visit", v.visit).text("case", v.case_number).text("technician", v.technician);
           o.time("from", v.from).time("to", v.to).text("status", name(v.status)).text("reason", v.reason);
           o.text("follow_up_of", v.follow_up_of).number("anomalies", v.anomalies);
         });
       }},
  };
  std::string out = "{";
  for (const auto& [section, make] : sections) {
    auto json = make();
    if (!json) return json.error();
    out += (out.size() > 1 ? ",\n" : "\n") + quoted(section) + ":" + *json;
  }
  return out + "\n}\n";
}

}  // namespace fieldsync::node
