// Node workloads: local commands (rate and latency) and the CSV import.
#include <fstream>
#include <memory>

#include "bench/bench.h"
#include "bench/raw_sqlite.h"
#include "node/cases.h"
#include "node/catalogue.h"
#include "node/customers.h"
#include "node/stock.h"

namespace fieldsync::bench {
namespace {

using namespace fieldsync::node;

std::unique_ptr<Node> freshNode(const std::string& path) {
  std::remove(path.c_str());
  auto n = Node::init(path, "BENCH");
  if (!n) {
    std::fprintf(stderr, "bench: %s\n", n.error().message.c_str());
    std::exit(1);
  }
  auto must = [](const auto& r) {
    if (!r) {
      std::fprintf(stderr, "bench: %s\n", r.error().message.c_str());
      std::exit(1);
    }
  };
  must(Catalogue(**n).addItem({"SEAL", "Seal kit", false, 0, 0}));
  must(Catalogue(**n).addItem({"PUMP", "Pump", true, 730, 0}));
  must(Catalogue(**n).addLocation({"WH1", "", LocationKind::warehouse, "", false, {}}));
  must(Catalogue(**n).addLocation({"WH2", "", LocationKind::warehouse, "", false, {}}));
  addCustomers(**n, 500, 3);
  return std::move(n).value();
}

}  // namespace

void addCustomers(Node& n, int count, int sites) {
  Customers c(n);
  bool ok = c.add({"Customer", "", "", "", ""}).ok();
  for (int i = 0; i < count; ++i) {
    const std::string code = "Customer " + std::to_string(i);
    ok = ok && c.add({code, "", "", "", ""}).ok();
    for (int s = 0; s < sites; ++s) ok = ok && c.addSite({code, "Site " + std::to_string(s), ""}).ok();
  }
  if (!ok) {
    std::fprintf(stderr, "bench: could not add the customers\n");
    std::exit(1);
  }
}

std::vector<Row> nodeCommands(const Options& o) {
  const int n = o.quick ? 400 : 4000;
  auto node = freshNode(o.dir + "/commands.db");
  MoveSpec stock{MoveKind::receipt, "SEAL", "", "WH1", 1'000'000'000, {}, {}, {}, false};
  if (!Stock(*node).move(stock)) std::exit(1);
  std::vector<double> latency;
  std::string last_case;
  const double total = timeIt([&] {
    for (int i = 0; i < n; ++i) {
      const auto start = std::chrono::steady_clock::now();
      bool ok = true;
      switch (i % 4) {
        case 0: ok = Stock(*node).move({MoveKind::transfer, "SEAL", "WH1", "WH2", 1000, {}, {}, {}, false}).ok(); break;
        case 1: {
          auto r = Cases(*node).open({"Customer", "", "", "", "noise", Priority::normal, {}});
          ok = r.ok();
          if (ok) last_case = r->number;
          break;
        }
        case 2: ok = Cases(*node).log(last_case, "checked bearings", {}).ok(); break;
        default: ok = Catalogue(*node).registerUnit({"PUMP", "SN" + std::to_string(i), "B1", "", "", {}, {}, 0}).ok(); break;
      }
      if (!ok) std::exit(1);
      latency.push_back(seconds(std::chrono::steady_clock::now() - start) * 1000);
    }
  });

  // Baseline: the least a durable one-row command costs in SQLite.
  std::vector<double> raw_latency;
  const std::string raw_path = o.dir + "/commands-raw.db";
  std::remove(raw_path.c_str());
  RawDb raw(raw_path);
  raw.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b INTEGER, c INTEGER)");
  raw.prepare("INSERT INTO t(b, c) VALUES(?, ?)");
  const double raw_total = timeIt([&] {
    for (int i = 0; i < n; ++i) {
      const auto start = std::chrono::steady_clock::now();
      raw.exec("BEGIN IMMEDIATE");
      raw.run({i, i * 7});
      raw.exec("COMMIT");
      raw_latency.push_back(seconds(std::chrono::steady_clock::now() - start) * 1000);
    }
  });
  const std::string base = "raw SQLite, one-row transaction";
  return {
      {"N1 local commands", "commands/s (transfer, open case, log, register unit)", n / total, "1/s", base, n / raw_total},
      {"N1 local commands", "latency p50", percentile(latency, 0.5), "ms", base, percentile(raw_latency, 0.5)},
      {"N1 local commands", "latency p99", percentile(latency, 0.99), "ms", base, percentile(raw_latency, 0.99)},
  };
}

std::vector<Row> nodeImport(const Options& o) {
  std::vector<Row> rows;
  std::vector<std::size_t> sizes{10'000, o.quick ? std::size_t{100'000} : std::size_t{1'000'000}};
  for (std::size_t size : sizes) {
    const std::string csv = o.dir + "/units-" + std::to_string(size) + ".csv";
    {
      std::ofstream out(csv);
      out << "item,serial,build_code,customer,site\n";
      for (std::size_t i = 0; i < size; ++i)
        out << "PUMP,SN" << (10'000'000 + i) << ",B" << (i % 7) << ",Customer " << (i % 500) << ",Site " << (i % 3) << "\n";
    }
    const std::string db = o.dir + "/import-" + std::to_string(size) + ".db";
    freshNode(db).reset();
    const ChildRun run = runChild({o.fieldsync, "--db", db, "unit", "import", csv});
    if (run.exit_code != 0) {
      std::fprintf(stderr, "bench: import exited %d\n", run.exit_code);
      std::exit(1);
    }
    // Baseline: the same rows into one indexed SQLite table, one transaction.
    const std::string raw_path = o.dir + "/import-raw.db";
    std::remove(raw_path.c_str());
    RawDb raw(raw_path);
    raw.exec("CREATE TABLE u(id INTEGER PRIMARY KEY, serial INTEGER UNIQUE, build INTEGER, customer INTEGER, site INTEGER)");
    raw.prepare("INSERT INTO u(serial, build, customer, site) VALUES(?, ?, ?, ?)");
    const double raw_s = timeIt([&] {
      raw.exec("BEGIN");
      for (std::size_t i = 0; i < size; ++i) {
        const long long v = static_cast<long long>(i);
        raw.run({10'000'000 + v, v % 7, v % 500, v % 3});
      }
      raw.exec("COMMIT");
    });
    const std::string label = std::to_string(size / 1000) + "k";
    rows.push_back({"N2 CSV import (fieldsync unit import)", "import " + label + " serials", run.seconds, "s",
                    "raw SQLite insert of the rows, one transaction", raw_s});
    rows.push_back({"N2 CSV import (fieldsync unit import)", "peak RSS, " + label + " serials", run.peak_rss_mib, "MiB", "", NAN});
  }
  return rows;
}

}  // namespace fieldsync::bench
