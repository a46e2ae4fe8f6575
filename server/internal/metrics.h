// The server's counters for GET /metrics (docs/server.md, "Metrics"), in
// the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Internal
// to fieldsync::server. Atomics: sessions, admin calls and the console
// update and read them from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace fieldsync::server {

// A latency histogram in seconds, with cumulative buckets as Prometheus has them.
class Histogram {
 public:
  static constexpr std::array<double, 10> kBounds{0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};
  void observe(std::chrono::steady_clock::duration d) {
    const double s = std::chrono::duration<double>(d).count();
    std::size_t i = 0;
    while (i < kBounds.size() && s > kBounds[i]) ++i;
    ++counts_[i];
    sum_us_ += static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  }
  void write(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> counts_{};  // the last: above every bound
  std::atomic<std::uint64_t> sum_us_{0};
};

struct Metrics {
  std::atomic<std::uint64_t> sessions_open{0}, handshakes_admitted{0}, handshakes_refused{0};
  std::atomic<std::uint64_t> ops_received{0}, ops_sent{0}, notices{0};
  std::atomic<std::uint64_t> commits{0};  // store transactions of pushes: fewer than pushes under group commit
  Histogram ingest, reconcile;  // a push from receipt to acknowledgement; a catch-up of the merged replica
};

// A label value as the format wants it: backslash, double quote and newline escaped.
std::string labelValue(const std::string& v);

// Times `h` for as long as it lives.
class Timed {
 public:
  explicit Timed(Histogram& h) : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~Timed() { h_.observe(std::chrono::steady_clock::now() - start_); }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  Histogram& h_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace fieldsync::server
