// Table: how the programs show a result, to people or to other programs.
//
// A result is turned into a small table (columns, rows of typed cells) that
// prints either aligned for a terminal or as JSON (an array of objects, keys
// in column order). Quantities and times are typed so both forms print them
// the same way: quantities as decimal numbers of units (milli-units
// underneath), times as UTC ISO 8601 text. Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fieldsync::cli {

struct Qty {
  std::int64_t milli = 0;
};
struct Time {
  std::int64_t ms = 0;  // since the epoch, UTC
};
using Cell = std::variant<std::monostate, std::int64_t, std::string, bool, Qty, Time>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

std::string toText(const Table& t);  // aligned columns with a header line; "(none)" when empty
std::string toJson(const Table& t);  // [{"column": value, ...}, ...]
std::string cellText(const Cell& c);  // as toText prints it: "-" for nothing

}  // namespace fieldsync::cli
