#include "cli/table.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "node/model.h"

namespace fieldsync::cli {

using node::formatQty;
using node::formatTime;

std::string cellText(const Cell& c) {
  return std::visit([](const auto& v) -> std::string {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::monostate>) return "-";
    else if constexpr (std::is_same_v<T, std::int64_t>) return std::to_string(v);
    else if constexpr (std::is_same_v<T, std::string>) return v.empty() ? "-" : v;
    else if constexpr (std::is_same_v<T, bool>) return v ? "yes" : "no";
    else if constexpr (std::is_same_v<T, Qty>) return formatQty(v.milli);
    else return formatTime(v.ms);
  }, c);
}

namespace {

nlohmann::ordered_json cellJson(const Cell& c) {
  return std::visit([](const auto& v) -> nlohmann::ordered_json {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
    else if constexpr (std::is_same_v<T, Qty>) {
      if (v.milli % 1000 == 0) return v.milli / 1000;
      return static_cast<double>(v.milli) / 1000.0;
    } else if constexpr (std::is_same_v<T, Time>) return formatTime(v.ms);
    else return v;
  }, c);
}

// Text as a terminal should show it: control characters (C0, DEL, C1),
// which could move the cursor or recolour the screen, become escapes.
std::string visible(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool c1 = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(s[i + 1]) <= 0x9F;
    if (c >= 0x20 && c != 0x7F && !c1) {
      out += s[i];
      continue;
    }
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c1 ? static_cast<unsigned char>(s[++i]) : c);
        out += buf;
      }
    }
  }
  return out;
}

// Columns on a terminal: wide characters (CJK, most emoji) take two,
// combining marks none (utf8proc); a byte that is not UTF-8 takes one.
std::size_t width(std::string_view s) {
  std::size_t w = 0;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  for (utf8proc_ssize_t at = 0, n = static_cast<utf8proc_ssize_t>(s.size()); at < n;) {
    utf8proc_int32_t c = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(p + at, n - at, &c);
    if (len <= 0) {
      ++w;
      ++at;
      continue;
    }
    w += static_cast<std::size_t>(utf8proc_charwidth(c));
    at += len;
  }
  return w;
}

}  // namespace

std::string toText(const Table& t) {
  if (t.rows.empty()) return "(none)\n";
  std::vector<std::size_t> w(t.columns.size());
  std::vector<std::vector<std::string>> cells;
  for (std::size_t i = 0; i < t.columns.size(); ++i) w[i] = width(t.columns[i]);
  for (const auto& row : t.rows) {
    auto& out = cells.emplace_back();
    for (std::size_t i = 0; i < row.size(); ++i) {
      out.push_back(visible(cellText(row[i])));
      w[i] = std::max(w[i], width(out.back()));
    }
  }
  auto line = [&](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) {
      s += v[i];
      if (i + 1 < v.size()) s += std::string(w[i] - width(v[i]) + 2, ' ');
    }
    return s + "\n";
  };
  std::string out = line(t.columns);
  for (const auto& row : cells) out += line(row);
  return out;
}

std::string toJson(const Table& t) {
  auto rows = nlohmann::ordered_json::array();
  for (const auto& row : t.rows) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < t.columns.size(); ++i) o[t.columns[i]] = cellJson(row[i]);
    rows.push_back(std::move(o));
  }
  // Text that is not valid UTF-8 is printed with U+FFFD rather than failing the command.
  return rows.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace fieldsync::cli
