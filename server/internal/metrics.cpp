// The Prometheus text format of the server's counters (metrics.h).
#include "server/internal/metrics.h"

#include <cstdio>

namespace fieldsync::server {

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

void Histogram::write(std::string& out, const std::string& name, const std::string& help) const {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    total += counts_[i];
    const std::string le = i < kBounds.size() ? number(kBounds[i]) : "+Inf";
    out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(total) + "\n";
  }
  out += name + "_sum " + number(static_cast<double>(sum_us_) / 1e6) + "\n";
  out += name + "_count " + std::to_string(total) + "\n";
}

std::string labelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace fieldsync::server
