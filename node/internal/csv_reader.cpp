#include "node/internal/csv_reader.h"

#include <csv.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace fieldsync::node {
namespace {

char detectDelimiter(const std::string& header) {
  std::array<std::pair<char, int>, 3> counts{{{',', 0}, {';', 0}, {'\t', 0}}};
  bool quoted = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    for (auto& [d, n] : counts)
      if (!quoted && c == d) ++n;
  }
  // The most frequent; a comma when none appears (a single column).
  return std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

struct Parse {
  const std::function<void(CsvRecord&)>& record;
  CsvRecord current;
  std::uint64_t line = 1;      // the physical line the current record starts on
  std::uint64_t embedded = 0;  // line breaks inside its quoted fields

  void field(const char* data, std::size_t size) {
    current.fields.emplace_back(data ? data : "", data ? size : 0);
    embedded += static_cast<std::uint64_t>(std::count(current.fields.back().begin(), current.fields.back().end(), '\n'));
  }
  // A record ends at `c`: '\r' or '\n' (every one is reported, so blank lines
  // and the '\n' of a CRLF come as empty records), or -1 at the end.
  void end(int c) {
    if (!current.fields.empty()) {
      current.line = line;
      record(current);
      line += embedded;
      embedded = 0;
      current = CsvRecord{};
    }
    if (c == '\n') ++line;
  }
};

extern "C" void onField(void* data, std::size_t size, void* parse) {
  static_cast<Parse*>(parse)->field(static_cast<const char*>(data), size);
}
extern "C" void onEnd(int c, void* parse) { static_cast<Parse*>(parse)->end(c); }

}  // namespace

char readCsv(std::istream& in, char delimiter, const std::function<void(CsvRecord&)>& record) {
  std::string first;
  if (!std::getline(in, first)) return delimiter ? delimiter : ',';
  if (first.rfind("\xEF\xBB\xBF", 0) == 0) first.erase(0, 3);  // a byte-order mark, as Excel writes UTF-8
  if (!delimiter) delimiter = detectDelimiter(first);
  first += '\n';

  csv_parser parser;
  auto start = [&] {
    csv_init(&parser, CSV_STRICT | CSV_REPALL_NL);
    csv_set_delim(&parser, static_cast<unsigned char>(delimiter));
  };
  start();
  Parse parse{record, {}, 1, 0};
  std::uint64_t lines = 0;  // line breaks read so far, parsed or skipped
  bool skipping = false;    // the rest of a malformed record's line is being skipped
  auto feed = [&](const char* data, std::size_t size) {
    while (size > 0) {
      if (skipping) {
        const char* eol = static_cast<const char*>(std::memchr(data, '\n', size));
        const std::size_t skip = eol ? static_cast<std::size_t>(eol - data) + 1 : size;
        lines += eol ? 1 : 0;
        data += skip;
        size -= skip;
        if (!eol) return;
        skipping = false;
        parse.line = lines + 1;
        continue;
      }
      const std::size_t n = csv_parse(&parser, data, size, onField, onEnd, &parse);
      lines += static_cast<std::uint64_t>(std::count(data, data + n, '\n'));
      data += n;
      size -= n;
      if (size == 0) return;
      // A quote where RFC 4180 allows none (inside an unquoted field, or
      // other than a separator after a closing one): the record is bad, and
      // its line is skipped; the next line starts afresh.
      parse.current.malformed = true;
      parse.current.line = parse.line;
      record(parse.current);
      parse.current = CsvRecord{};
      parse.embedded = 0;
      csv_free(&parser);
      start();
      skipping = true;
    }
  };
  feed(first.data(), first.size());
  char buf[64 * 1024];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) feed(buf, static_cast<std::size_t>(in.gcount()));
  // The file ended inside a quoted field: libcsv's state 2 is FIELD_BEGUN
  // (libcsv.c; csv.h exposes the state, not its names).
  if (parser.pstate == 2 && parser.quoted) {
    parse.current.unterminated = true;
    parse.current.fields.emplace_back();
    parse.end(-1);
  } else if (!skipping) {
    csv_fini(&parser, onField, onEnd, &parse);
  }
  csv_free(&parser);
  return delimiter;
}

}  // namespace fieldsync::node
