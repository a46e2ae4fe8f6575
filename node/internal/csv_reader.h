// CsvReader: CSV as spreadsheets save it, over libcsv (RFC 4180). Internal
// to fieldsync::node.
//
// Skips a UTF-8 byte-order mark; takes the separator given or detects it
// from the header line (',', ';' or tab: the most frequent outside quotes);
// reads quoted fields across line breaks; a misplaced quote makes its record
// malformed, and reading goes on at the next line. Each record comes with the
// physical line it starts on (1: the header), so problems can name it.
// Blank lines are skipped. Streams: memory grows with a record, not the file.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

namespace fieldsync::node {

struct CsvRecord {
  std::vector<std::string> fields;
  std::uint64_t line = 0;
  bool unterminated = false;  // the file ended inside a quoted field
  bool malformed = false;     // a quote where RFC 4180 allows none; the rest of its line was skipped
};

// Calls `record` for the header and then each record, in order. Returns the
// separator used. `delimiter` 0: detect.
char readCsv(std::istream& in, char delimiter, const std::function<void(CsvRecord&)>& record);

}  // namespace fieldsync::node
