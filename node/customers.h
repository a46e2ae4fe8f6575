// Customers and their sites (docs/data-model.md, "Customers and sites").
//
// A customer is a register keyed by its code ("Bakery Oy"): its id is the
// natural id of (company, code normalised as sync::normaliseSerial), so
// "Bakery Oy", "bakery oy" and "Bakery Oy " are one customer, stored with
// the spelling it was added with. A site is keyed by its customer's code
// and its own ("Plant 3"). Cases, shipments and units name them by code;
// every command that takes --customer/--site resolves them here and refuses
// one that is not known. Supervisors and administrators add and change
// them (docs/scopes.md, "Rights"); every device holds them with the
// catalogue. Times are ms since the epoch, UTC. Borrows the Node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/catalogue.h"
#include "node/node.h"

namespace fieldsync::node {

struct CustomerView {
  std::string code, name, contact, phone, email;
};
struct SiteView {
  std::string customer, code, address;
};

// An edit writes only the fields it names.
struct CustomerEdit {
  std::string code;
  std::optional<std::string> name, contact, phone, email;
};
struct SiteEdit {
  std::string customer, code;
  std::optional<std::string> address;
};

struct CustomerSaved {
  CustomerView customer;
  Saved result = Saved::created;
};
struct SiteSaved {
  SiteView site;
  Saved result = Saved::created;
};

// A customer's history: its units now (with warranty), its cases (open and
// past, with reopen counts), its shipments and deliveries, newest first.
struct CustomerHistory {
  CustomerView customer;
  std::int64_t units = 0, cases = 0, open_cases = 0, shipments = 0;
  std::vector<HistoryEntry> events;
};

// What `customer migrate` found: customers and sites named in cases,
// shipments and units as text that were not entities yet.
struct CustomersMigrated {
  std::vector<std::string> customers;                         // codes, as first spelled
  std::vector<std::pair<std::string, std::string>> sites;     // (customer, site)
  std::vector<std::string> skipped;                           // why a value could not become a code
  bool dry_run = false;
};

class Customers {
 public:
  explicit Customers(Node& node);

  // Adding a code that exists again, field for field, changes nothing; with
  // other fields it is refused (change them with set). The name defaults
  // to the code.
  Result<CustomerSaved> add(const CustomerView& spec);
  Result<CustomerSaved> set(const CustomerEdit& edit);
  Result<std::vector<CustomerView>> list();  // by code
  Result<CustomerHistory> show(std::string_view code);

  Result<SiteSaved> addSite(const SiteView& spec);  // of a known customer
  Result<SiteSaved> setSite(const SiteEdit& edit);
  Result<std::vector<SiteView>> sites(std::string_view customer = {});  // by customer, then code; empty: all

  // Makes a customer of every customer text in cases, shipments and units
  // that names none, and a site of every site text under it; records keep
  // their text, which now resolves. Idempotent: ids are natural, so two
  // devices migrating converge.
  Result<CustomersMigrated> migrate(bool dry_run);

 private:
  Node& node_;
  Node::Core& core_;
};

}  // namespace fieldsync::node
