// Benchmark support: figures with the baseline measured in the same run.
// Benchmarks print; they never pass or fail on time.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "node/node.h"

namespace fieldsync::bench {

struct Row {
  std::string workload, metric;
  double value = 0;
  std::string unit;
  std::string baseline_label;  // what the baseline is, measured in the same run
  double baseline = NAN;
};

struct Options {
  bool quick = false;                // smaller sizes, for a smoke run
  std::string dir;                   // scratch directory for databases
  std::string fieldsync;             // the fieldsync binary, for end-to-end runs
  std::string postgres;              // a PostgreSQL cluster's URI, for P1 and P2 (they make databases there)
  std::string profile = "M";         // the day of W2 and P2 (domain.md 4.3): M or L
};

using Workload = std::function<std::vector<Row>(const Options&)>;

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

inline double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

template <class F>
double timeIt(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return seconds(std::chrono::steady_clock::now() - start);
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

inline double peakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

struct ChildRun {
  int exit_code = -1;
  double seconds = 0, peak_rss_mib = 0;
};

// Runs a program with its output discarded, and measures it.
inline ChildRun runChild(const std::vector<std::string>& argv) {
  ChildRun out;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage u{};
  wait4(pid, &status, 0, &u);
  out.seconds = seconds(std::chrono::steady_clock::now() - start);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  out.peak_rss_mib = static_cast<double>(u.ru_maxrss) / 1024.0;
  return out;
}

// The customers the workloads name: "Customer", and "Customer 0" ... "Customer
// <count - 1>" each with sites "Site 0" ... "Site <sites - 1>" (node_bench.cpp).
void addCustomers(node::Node& n, int count, int sites);

std::vector<Row> nodeCommands(const Options& o);
std::vector<Row> nodeImport(const Options& o);
std::vector<Row> peerW1(const Options& o);
std::vector<Row> syncEndToEnd(const Options& o);
std::vector<Row> serverIngest(const Options& o);
std::vector<Row> liveSync(const Options& o);
std::vector<Row> crypto(const Options& o);
std::vector<Row> reconciliation(const Options& o);
std::vector<Row> bootstrap(const Options& o);
std::vector<Row> idleSessions(const Options& o);
std::vector<Row> profileDayW2(const Options& o);
std::vector<Row> postgresServers(const Options& o);  // P1: needs Options::postgres
std::vector<Row> pgProfileDay(const Options& o);     // P2: needs Options::postgres
std::vector<Row> appLatency(const Options& o);

}  // namespace fieldsync::bench
