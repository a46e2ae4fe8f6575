#include "node/table.h"

#include <algorithm>

#include "node/model.h"

namespace fieldsync::node {

std::string jsonString(std::string_view s) {
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
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

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
std::string cellJson(const Cell& c) {
  return std::visit([](const auto& v) -> std::string {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::monostate>) return "null";
    else if constexpr (std::is_same_v<T, std::int64_t>) return std::to_string(v);
    else if constexpr (std::is_same_v<T, std::string>) return jsonString(v);
    else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
    else if constexpr (std::is_same_v<T, Qty>) return formatQty(v.milli);
    else return jsonString(formatTime(v.ms));
  }, c);
}

// Display width in code points (UTF-8 continuation bytes do not count).
std::size_t width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
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
      out.push_back(cellText(row[i]));
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
  std::string out = "[";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    out += r ? ",{" : "{";
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      out += (i ? "," : "") + jsonString(t.columns[i]) + ":" + cellJson(t.rows[r][i]);
    out += "}";
  }
  return out + "]";
}

}  // namespace fieldsync::node
