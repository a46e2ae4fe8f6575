// fieldsync-bench: runs the benchmark workloads and prints a Markdown table
// (and JSON with --json FILE). Figures are printed, never judged.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "bench/bench.h"

using namespace fieldsync::bench;

namespace {

const char* kUsage =
    "usage: fieldsync-bench --fieldsync PATH [--quick] [--only N1,N2,W1,S1,S2,R1,W2,W3,W4,C1] [--json FILE] [--dir DIR]\n"
    "  --fieldsync PATH  the fieldsync program (N2 runs it as a user would)\n"
    "  --quick           smaller sizes, for a smoke run\n"
    "  --only LIST       run only these workloads\n"
    "  --json FILE       also write the figures as JSON\n"
    "  --dir DIR         scratch directory (default: a new one under /tmp, removed after)\n";

std::string number(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  if (std::fabs(v) >= 1000) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (std::fabs(v) >= 10) std::snprintf(buf, sizeof buf, "%.1f", v);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string json(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string only, json_path;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fieldsync-bench: %s needs a value\n%s", a.c_str(), kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") o.quick = true;
    else if (a == "--only") only = next();
    else if (a == "--json") json_path = next();
    else if (a == "--fieldsync") o.fieldsync = next();
    else if (a == "--dir") { o.dir = next(); keep = true; }
    else if (a == "--help" || a == "-h") { std::fputs(kUsage, stdout); return 0; }
    else { std::fprintf(stderr, "fieldsync-bench: unknown option '%s'\n%s", a.c_str(), kUsage); return 2; }
  }
  if (o.fieldsync.empty() || !std::filesystem::exists(o.fieldsync)) {
    std::fprintf(stderr, "fieldsync-bench: --fieldsync PATH must name the fieldsync program\n%s", kUsage);
    return 2;
  }
  o.fieldsync = std::filesystem::absolute(o.fieldsync).string();
  if (o.dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fieldsync-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return 1;
    o.dir = tmpl;
  }
  std::filesystem::create_directories(o.dir);

  const std::vector<std::pair<std::string, Workload>> all{{"N1", nodeCommands}, {"N2", nodeImport}, {"W1", peerW1},
                                                          {"S1", syncEndToEnd},  {"S2", serverIngest}, {"R1", reconciliation},
                                                          {"W2", mProfileDay},   {"W3", bootstrap},    {"W4", idleSessions},
                                                          {"C1", crypto}};
  std::vector<Row> rows;
  for (const auto& [name, run] : all) {
    if (!only.empty() && ("," + only + ",").find("," + name + ",") == std::string::npos) continue;
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
    std::ofstream out(json_path);
    out << "[\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      out << "  {\"workload\":" << json(r.workload) << ",\"metric\":" << json(r.metric)
          << ",\"value\":" << (std::isnan(r.value) ? "null" : number(r.value)) << ",\"unit\":" << json(r.unit)
          << ",\"baseline_label\":" << json(r.baseline_label)
          << ",\"baseline\":" << (std::isnan(r.baseline) ? "null" : number(r.baseline)) << "}"
          << (i + 1 < rows.size() ? ",\n" : "\n");
    }
    out << "]\n";
  }
  if (!keep) std::filesystem::remove_all(o.dir);
  return 0;
}
