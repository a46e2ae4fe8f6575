// fieldsync-bench: runs the benchmark workloads and prints a Markdown table
// (and JSON with --json FILE). Figures are printed, never judged.
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bench/bench.h"
#include "cli/program.h"

using namespace fieldsync::bench;

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  if (std::fabs(v) >= 1000) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (std::fabs(v) >= 10) std::snprintf(buf, sizeof buf, "%.1f", v);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

nlohmann::ordered_json figure(double v) { return std::isnan(v) ? nlohmann::ordered_json() : nlohmann::ordered_json(v); }

}  // namespace

int main(int argc, char** argv) {
  const fieldsync::cli::Program program("fieldsync-bench");
  CLI::App app{"fieldsync-bench: runs the benchmark workloads and prints a Markdown table; every figure stands "
               "beside a baseline measured in the same run",
               "fieldsync-bench"};
  Options o;
  std::string only, json_path;
  app.add_option("--fieldsync", o.fieldsync, "the fieldsync program (N2 runs it as a user would)")
      ->type_name("PATH")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_flag("--quick", o.quick, "smaller sizes, for a smoke run");
  app.add_option("--only", only, "run only these workloads: N1,N2,W1,S1,S2,L1,R1,W2,W3,W4,C1,A1,P1,P2")->type_name("LIST");
  app.add_option("--postgres", o.postgres,
                 "a PostgreSQL cluster to make databases on (P1, P2 run only with it; scripts/bench.sh starts one)")
      ->type_name("URI");
  app.add_option("--profile", o.profile, "the day W2 and P2 run: M (220 devices) or L (2,051 devices; domain.md 4.3); --quick runs a tenth of M")
      ->check(CLI::IsMember({"M", "L"}));
  app.add_option("--json", json_path, "also write the figures as JSON")->type_name("FILE");
  app.add_option("--dir", o.dir, "scratch directory (default: a new one under /tmp, removed after)")->type_name("DIR");
  if (auto done = program.parse(app, argc, argv)) return *done;
  const bool keep = !o.dir.empty();
  o.fieldsync = std::filesystem::absolute(o.fieldsync).string();
  if (o.dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fieldsync-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return 1;
    o.dir = tmpl;
  }
  std::filesystem::create_directories(o.dir);

  const std::vector<std::pair<std::string, Workload>> all{{"N1", nodeCommands}, {"N2", nodeImport}, {"W1", peerW1},
                                                          {"S1", syncEndToEnd},  {"S2", serverIngest}, {"L1", liveSync}, {"R1", reconciliation},
                                                          {"W2", profileDayW2},   {"W3", bootstrap},    {"W4", idleSessions},
                                                          {"C1", crypto},         {"A1", appLatency},   {"P1", postgresServers},
                                                          {"P2", pgProfileDay}};
  std::vector<Row> rows;
  for (const auto& [name, run] : all) {
    if (!only.empty() && ("," + only + ",").find("," + name + ",") == std::string::npos) continue;
    if (name[0] == 'P' && o.postgres.empty()) {
      std::fprintf(stderr, "skipping %s: it needs --postgres URI\n", name.c_str());
      continue;
    }
    std::fprintf(stderr, "running %s...\n", name.c_str());
    for (Row& r : run(o)) rows.push_back(std::move(r));
  }

  std::printf("| workload | metric | fieldsync | unit | baseline (same run) | baseline | fieldsync / baseline |\n");
  std::printf("|---|---|---:|---|---|---:|---:|\n");
  for (const Row& r : rows)
    std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", r.workload.c_str(), r.metric.c_str(), number(r.value).c_str(),
                r.unit.c_str(), r.baseline_label.c_str(), number(r.baseline).c_str(),
                std::isnan(r.baseline) ? "" : number(r.value / r.baseline).c_str());
  if (!json_path.empty()) {
    auto out = nlohmann::ordered_json::array();
    for (const Row& r : rows)
      out.push_back({{"workload", r.workload}, {"metric", r.metric}, {"value", figure(r.value)}, {"unit", r.unit},
                     {"baseline_label", r.baseline_label}, {"baseline", figure(r.baseline)}});
    std::ofstream(json_path) << out.dump(2) << "\n";
  }
  if (!keep) std::filesystem::remove_all(o.dir);
  return 0;
}
