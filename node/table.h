// Table: what every node command and query returns, for people or machines.
//
// A command's result is a small table (columns, rows of typed cells) that
// the CLI prints either aligned for a terminal or as JSON (an array of
// objects, keys in column order). Quantities and times are typed so both
// forms print them the same way. Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fieldsync::node {

struct Qty {
  std::int64_t milli = 0;
};
struct Time {
  std::int64_t ms = 0;
};
using Cell = std::variant<std::monostate, std::int64_t, std::string, bool, Qty, Time>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

std::string toText(const Table& t);  // aligned columns with a header line; "(none)" when empty
std::string toJson(const Table& t);  // [{"column": value, ...}, ...]
std::string jsonString(std::string_view s);  // a quoted, escaped JSON string
std::string cellText(const Cell& c);  // as toText prints it

}  // namespace fieldsync::node
