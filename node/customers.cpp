// Customers and sites (docs/data-model.md, "Customers and sites").
#include "node/customers.h"

#include <algorithm>
#include <map>
#include <set>

#include "node/internal/core.h"

namespace fieldsync::node {

Id Node::Core::customerId(std::string_view code) const {
  return sync::naturalId("customer", {company.view(), sync::normaliseSerial(code)});
}

Id Node::Core::siteId(std::string_view customer, std::string_view site) const {
  return sync::naturalId("site", {company.view(), sync::normaliseSerial(customer), sync::normaliseSerial(site)});
}

Result<Node::Core::Party> Node::Core::party(std::string_view customer, std::string_view site, std::string_view prefix) {
  const std::string p(prefix);
  Party out;
  if (sync::normaliseSerial(customer).empty()) {
    if (!sync::normaliseSerial(site).empty())
      return invalid(p + "site", "a site belongs to a customer: name the " + p + "customer too");
    return out;
  }
  const Attributes c = store->entity(EntityType::customer, customerId(customer));
  if (c.empty() || flagOf(c, sync::kDeletedField))
    return sync::fail(Errc::not_found, p + "customer: '" + sync::normaliseText(customer) +
                                           "' is not a known customer (see 'customer list'; add it with 'customer add')");
  out.customer = textOf(c, customer_f::code);
  if (sync::normaliseSerial(site).empty()) return out;
  const Attributes s = store->entity(EntityType::site, siteId(out.customer, site));
  if (s.empty() || flagOf(s, sync::kDeletedField))
    return sync::fail(Errc::not_found, p + "site: '" + sync::normaliseText(site) + "' is not a site of " + out.customer +
                                           " (see 'site list --customer'; add it with 'site add')");
  out.site = textOf(s, site_f::code);
  return out;
}

namespace {

CustomerView customerView(Node::Core&, const Id&, const Attributes& a) {
  const std::string name = textOf(a, customer_f::name);
  return {textOf(a, customer_f::code), name.empty() ? textOf(a, customer_f::code) : name,
          textOf(a, customer_f::contact), textOf(a, customer_f::phone), textOf(a, customer_f::email)};
}

SiteView siteView(Node::Core&, const Id&, const Attributes& a) {
  return {textOf(a, site_f::customer), textOf(a, site_f::code), textOf(a, site_f::address)};
}

// Contact fields as stored; an e-mail address needs an @, a phone number
// only digits, spaces and + - ( ) /.
Result<std::optional<std::string>> contactField(std::string_view field, const std::optional<std::string>& value) {
  if (!value) return std::optional<std::string>{};
  auto text = fieldText(field, *value, kMaxNameBytes);
  if (!text) return text.error();
  const std::size_t at = text->find('@');
  if (field == "--email" && !text->empty() &&
      (at == 0 || at == std::string::npos || text->find('@', at + 1) != std::string::npos ||
       text->find_first_of(" \t") != std::string::npos || text->find('.', at) == std::string::npos ||
       text->back() == '.'))
    return invalid(field, "'" + *text + "' is not an e-mail address (name@domain.fi)");
  if (field == "--phone" && !text->empty() &&
      (text->find_first_not_of("0123456789 +-()/") != std::string::npos ||
       text->find_first_of("0123456789") == std::string::npos))
    return invalid(field, "'" + *text + "' is not a phone number (digits, spaces and + - ( ) /)");
  return std::optional<std::string>{*text};
}

}  // namespace

Customers::Customers(Node& node) : node_(node), core_(*node.core_) {}

Result<CustomerSaved> Customers::add(const CustomerView& spec) {
  auto code = fieldLine("CODE", spec.code, "a customer needs a code");
  auto name = fieldText("--name", spec.name, kMaxNameBytes);
  for (const auto* r : {&code, &name})
    if (!*r) return r->error();
  std::vector<std::string> contact;
  for (const auto& [field, value] : {std::pair{"--contact", spec.contact}, {"--phone", spec.phone}, {"--email", spec.email}}) {
    auto ok = contactField(field, value);
    if (!ok) return ok.error();
    contact.push_back(**ok);
  }
  return core_.command<CustomerSaved>([&]() -> Result<CustomerSaved> {
    const Id id = core_.customerId(*code);
    const Attributes old = core_.store->entity(EntityType::customer, id);
    // Spelled as this device knows it: "bakery oy" adds nothing to "Bakery Oy".
    // Only the fields given are written, so two devices that add one customer
    // offline, each with what it knows, keep both (one spelling wins everywhere).
    const std::string stored = old.empty() ? *code : textOf(old, customer_f::code);
    std::vector<Field> wanted{{customer_f::code, stored}};
    for (const auto& [field, value] : {std::pair{customer_f::name, *name}, {customer_f::contact, contact[0]},
                                       {customer_f::phone, contact[1]}, {customer_f::email, contact[2]}})
      if (!value.empty()) wanted.push_back({field, value});
    if (const auto differ = changedFields(old, wanted).size(); !old.empty() && differ)
      return refused(existsMessage("customer", stored, "customer set") + " (" + std::to_string(differ) +
                     " field(s) differ)");
    const Saved result = saveFields(core_, EntityType::customer, id, old, wanted, true);
    return CustomerSaved{customerView(core_, id, core_.store->entity(EntityType::customer, id)), result};
  });
}

Result<CustomerSaved> Customers::set(const CustomerEdit& e) {
  auto name = fieldText("--name", e.name.value_or(""), kMaxNameBytes, e.name ? "must not be empty" : "");
  if (!name) return name.error();
  std::vector<Field> wanted;
  if (e.name) wanted.push_back({customer_f::name, *name});
  for (const auto& [field, id, value] : {std::tuple{"--contact", customer_f::contact, e.contact},
                                         {"--phone", customer_f::phone, e.phone},
                                         {"--email", customer_f::email, e.email}}) {
    auto ok = contactField(field, value);
    if (!ok) return ok.error();
    if (*ok) wanted.push_back({id, **ok});
  }
  if (wanted.empty()) return invalid("customer set", "name a field to change");
  return core_.command<CustomerSaved>([&]() -> Result<CustomerSaved> {
    const Id id = core_.customerId(e.code);
    auto old = existingEntity(core_, EntityType::customer, id, "customer", sync::normaliseText(e.code));
    if (!old) return old.error();
    const Saved result = saveFields(core_, EntityType::customer, id, *old, wanted, false);
    return CustomerSaved{customerView(core_, id, core_.store->entity(EntityType::customer, id)), result};
  });
}

Result<std::vector<CustomerView>> Customers::list() {
  return core_.query<std::vector<CustomerView>>([&]() -> Result<std::vector<CustomerView>> {
    return core_.liveRows(EntityType::customer, customerView, &CustomerView::code);
  });
}

Result<SiteSaved> Customers::addSite(const SiteView& spec) {
  auto code = fieldLine("CODE", spec.code, "a site needs a code");
  auto address = fieldText("--address", spec.address, kMaxTextBytes);
  for (const auto* r : {&code, &address})
    if (!*r) return r->error();
  if (sync::normaliseSerial(spec.customer).empty()) return invalid("--customer", "name the customer the site is of");
  return core_.command<SiteSaved>([&]() -> Result<SiteSaved> {
    auto customer = core_.party(spec.customer, "", "--");
    if (!customer) return customer.error();
    const Id id = core_.siteId(customer->customer, *code);
    const Attributes old = core_.store->entity(EntityType::site, id);
    const SiteView view{customer->customer, old.empty() ? *code : textOf(old, site_f::code),
                        address->empty() ? textOf(old, site_f::address) : *address};
    std::vector<Field> wanted{{site_f::code, view.code}, {site_f::customer, view.customer}};
    if (!address->empty()) wanted.push_back({site_f::address, *address});  // as the customer's fields
    if (!old.empty() && !changedFields(old, wanted).empty())
      return refused(existsMessage("site", view.code + " of " + view.customer, "site set"));
    return SiteSaved{view, saveFields(core_, EntityType::site, id, old, wanted, true)};
  });
}

Result<SiteSaved> Customers::setSite(const SiteEdit& e) {
  auto address = fieldText("--address", e.address.value_or(""), kMaxTextBytes);
  if (!address) return address.error();
  if (!e.address) return invalid("site set", "name a field to change");
  return core_.command<SiteSaved>([&]() -> Result<SiteSaved> {
    auto where = core_.party(e.customer, e.code, "--");
    if (!where) return where.error();
    if (where->site.empty()) return invalid("CODE", "name the site");
    const Id id = core_.siteId(where->customer, where->site);
    const Attributes old = core_.store->entity(EntityType::site, id);
    const Saved result = saveFields(core_, EntityType::site, id, old, {{site_f::address, *address}}, false);
    return SiteSaved{siteView(core_, id, core_.store->entity(EntityType::site, id)), result};
  });
}

Result<std::vector<SiteView>> Customers::sites(std::string_view customer) {
  return core_.query<std::vector<SiteView>>([&]() -> Result<std::vector<SiteView>> {
    std::string of;
    if (!sync::normaliseSerial(customer).empty()) {
      auto c = core_.party(customer, "", "--");
      if (!c) return c.error();
      of = c->customer;
    }
    std::vector<SiteView> out = core_.liveRows(EntityType::site, siteView, &SiteView::code);
    if (!of.empty()) std::erase_if(out, [&](const SiteView& s) { return !sameName(s.customer, of); });
    std::stable_sort(out.begin(), out.end(), [](const SiteView& x, const SiteView& y) { return x.customer < y.customer; });
    return out;
  });
}

namespace {

// The entities of `type` whose `field` names `customer`, spelled any way.
std::vector<Id> namedBy(Node::Core& core, EntityType type, FieldId field, std::string_view customer) {
  std::vector<Id> out;
  for (const auto& r : core.store->registerValues(type, field))
    if (const auto* text = std::get_if<std::string>(&r.value); text && sameName(*text, customer))
      out.push_back(r.entity);
  return out;
}

std::string times(std::int64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

Result<CustomerHistory> Customers::show(std::string_view code) {
  auto units = Catalogue(node_).unitsOf(code);
  if (!units) return units.error();
  return core_.query<CustomerHistory>([&]() -> Result<CustomerHistory> {
    const Id id = core_.customerId(code);
    auto found = existingEntity(core_, EntityType::customer, id, "customer", sync::normaliseText(code));
    if (!found) return found.error();
    CustomerHistory h{customerView(core_, id, *found), 0, 0, 0, 0, {}};
    const std::int64_t now = core_.now();
    for (const UnitView& u : *units) {
      ++h.units;
      const std::string cover = !u.warranty_end          ? "no warranty start"
                                : now < *u.warranty_end ? "under warranty until " + formatTime(*u.warranty_end)
                                                        : "out of warranty since " + formatTime(*u.warranty_end);
      h.events.push_back({u.warranty_start.value_or(0), "unit",
                          u.item + " " + u.serial + " " + std::string(name(u.state)) +
                              (u.site.empty() ? "" : " at " + u.site) +
                              (u.order.empty() ? "" : ", order " + u.order + " line " + std::to_string(u.order_line)) +
                              ", " + cover,
                          {}, {}});
    }
    for (const Id& c : namedBy(core_, EntityType::service_case, case_f::customer, code)) {
      const Attributes a = core_.store->entity(EntityType::service_case, c);
      const Folded f = core_.store->status(EntityType::service_case, c).value_or(Folded{});
      const auto status = static_cast<CaseStatus>(f.status);
      std::int64_t opened = f.last_at;
      for (const Transition& t : core_.transitions(FactKind::case_transition, c)) opened = std::min(opened, t.at);
      ++h.cases;
      if (status != CaseStatus::closed && status != CaseStatus::cancelled) ++h.open_cases;
      const std::string site = textOf(a, case_f::site);
      h.events.push_back({opened, "case",
                          textOf(a, case_f::number) + " " + std::string(name(status)) +
                              (f.counted ? ", reopened " + times(f.counted, "time") : "") +
                              (site.empty() ? "" : " at " + site) + ": " + textOf(a, case_f::problem),
                          {}, {}});
    }
    for (const Id& s : namedBy(core_, EntityType::shipment, shipment_f::customer, code)) {
      const Attributes a = core_.store->entity(EntityType::shipment, s);
      const Folded f = core_.store->status(EntityType::shipment, s).value_or(Folded{});
      const auto lines = static_cast<std::int64_t>(core_.store->facts(FactKind::shipment_line, s).size());
      ++h.shipments;
      const std::string site = textOf(a, shipment_f::site);
      h.events.push_back({f.last_at, "shipment",
                          textOf(a, shipment_f::number) + " " + std::string(name(static_cast<ShipmentStatus>(f.status))) +
                              (site.empty() ? "" : " to " + site) + ", " + times(lines, "line") +
                              (f.counted ? ", " + times(f.counted, "failed attempt") : ""),
                          {}, {}});
    }
    std::stable_sort(h.events.begin(), h.events.end(),
                     [](const HistoryEntry& x, const HistoryEntry& y) { return x.at > y.at; });  // newest first
    return h;
  });
}

Result<CustomersMigrated> Customers::migrate(bool dry_run) {
  CustomersMigrated out;
  out.dry_run = dry_run;
  auto r = core_.command<bool>(
      [&]() -> Result<bool> {
        // (customer, site) as the records spell them, by the customer's key.
        std::map<std::string, std::pair<std::string, std::set<std::string>>> named;
        const std::tuple<EntityType, FieldId, FieldId> fields[] = {
            {EntityType::service_case, case_f::customer, case_f::site},
            {EntityType::shipment, shipment_f::customer, shipment_f::site},
            {EntityType::unit, unit_f::customer, unit_f::site}};
        for (const auto& [type, customer_field, site_field] : fields)
          for (const auto& v : core_.store->registerValues(type, customer_field)) {
            const auto* text = std::get_if<std::string>(&v.value);
            if (!text || sync::normaliseSerial(*text).empty()) continue;
            auto& entry = named.try_emplace(sync::normaliseSerial(*text), sync::normaliseText(*text), std::set<std::string>{})
                              .first->second;
            const std::string site = textOf(core_.store->entity(type, v.entity), site_field);
            if (!sync::normaliseSerial(site).empty()) entry.second.insert(site);
          }
        for (const auto& [key, entry] : named) {
          const auto& [customer, sites] = entry;
          const Id id = core_.customerId(customer);
          const Attributes old = core_.store->entity(EntityType::customer, id);
          if (old.empty()) {
            if (auto code = fieldText("customer", customer, kMaxNameBytes); !code) {
              out.skipped.push_back(code.error().message);
              continue;
            }
            core_.emit(EntityType::customer, id, FactKind::none, {{customer_f::code, customer}, {customer_f::name, customer}});
            out.customers.push_back(customer);
          }
          const std::string stored = old.empty() ? customer : textOf(old, customer_f::code);
          std::set<std::string> done;
          for (const std::string& site : sites) {
            const Id s = core_.siteId(stored, site);
            if (!done.insert(sync::normaliseSerial(site)).second || !core_.store->entity(EntityType::site, s).empty())
              continue;
            auto code = fieldLine("site", site);
            if (!code) {
              out.skipped.push_back("site of " + stored + ": '" + site.substr(0, 40) +
                                    "' is too long or has line breaks for a code; add it with 'site add'");
              continue;
            }
            core_.emit(EntityType::site, s, FactKind::none,
                       {{site_f::code, *code}, {site_f::customer, stored}, {site_f::address, *code}});
            out.sites.emplace_back(stored, *code);
          }
        }
        return true;
      },
      !dry_run);
  if (!r) return r.error();
  return out;
}

}  // namespace fieldsync::node
