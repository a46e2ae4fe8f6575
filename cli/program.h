// fieldsync::cli: what the programs (fieldsync, fieldsync-server,
// fieldsync-bench) share: command lines parsed with CLI11, exit codes, and
// results shown as tables (table.h, records.h).
//
// Exit codes: 0 success, 1 internal error, 2 usage error, 3 input refused
// (validation, a business rule, or the server refused this device), 4 the
// server or the network could not be reached (retry later).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cli/table.h"
#include "sync/result.h"

namespace fieldsync::cli {

enum ExitCode { kOk = 0, kInternal = 1, kUsage = 2, kRefused = 3, kUnavailable = 4 };
ExitCode exitCode(sync::Errc code);

// Names the program in messages: "fieldsync: ...".
class Program {
 public:
  explicit Program(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  // Parses the command line. Returns the code to exit with (0 after
  // --help; 2, with the reason, on a usage error), or nothing to go on.
  std::optional<int> parse(CLI::App& app, int argc, char** argv) const;
  int fail(const sync::Error& e) const;          // prints the message, returns its exit code
  int usage(const std::string& message) const;   // prints the message, returns 2
  static int print(const Table& t, bool json);   // returns 0
  // Runs a program's body: an exception that escapes it is reported as an
  // internal error (exit 1), never an abort.
  int run(const std::function<int()>& body) const;

 private:
  std::string name_;
};

// "90s", "30m", "24h", "7d" as milliseconds.
sync::Result<std::int64_t> parseDuration(std::string_view text, std::string_view what);

}  // namespace fieldsync::cli
