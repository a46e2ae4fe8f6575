#include "cli/program.h"

#include <cstdio>

#include "sync/bytes.h"
#include "sync/op.h"

namespace fieldsync::cli {

ExitCode exitCode(sync::Errc code) {
  switch (code) {
    case sync::Errc::invalid_input:
    case sync::Errc::refused:
    case sync::Errc::not_found:
    case sync::Errc::denied: return kRefused;
    case sync::Errc::unavailable: return kUnavailable;
    case sync::Errc::malformed:
    case sync::Errc::internal: return kInternal;
  }
  return kInternal;
}

namespace {
// "'stat' is not a command", or which commands a noun takes, instead of
// CLI11's "A subcommand is required".
std::string missingCommand(CLI::App& app) {
  CLI::App* at = &app;
  std::string path;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
  const std::string where = path.empty() ? "" : path + ": ";
  if (!at->remaining().empty()) return where + "'" + at->remaining().front() + "' is not a command";
  std::string names;
  for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; }))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return where + "name a command: " + names;
}
// The first option or argument given that is not UTF-8, as "--name" (or
// the argument's name); every text we store must be UTF-8 (docs/op-encoding.md).
// Paths (FILE, DIR) are bytes and are not checked.
std::optional<std::string> notUtf8(const CLI::App& app) {
  for (const CLI::Option* o : app.get_options()) {
    const bool path = o->get_type_name() == "FILE" || o->get_type_name() == "DIR" || o->get_name() == "FILE";
    if (path) continue;  // a path is bytes
    for (const std::string& value : o->results())
      if (!sync::isValidUtf8(value)) return o->get_name(false, true).empty() ? o->get_name() : o->get_name(false, true);
  }
  for (const CLI::App* sub : app.get_subcommands())
    if (auto bad = notUtf8(*sub)) return bad;
  return std::nullopt;
}
}  // namespace

std::optional<int> Program::parse(CLI::App& app, int argc, char** argv) const {
  if (argc <= 1) {  // nothing asked: show what can be asked
    std::fputs(app.help().c_str(), stdout);
    return kUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::RequiredError& e) {
    const std::string what = e.what();
    return usage(what.find("subcommand") != std::string::npos ? missingCommand(app) : what);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help: printed by CLI11, for the command asked about
    return usage(e.what());
  }
  if (auto bad = notUtf8(app)) return fail({sync::Errc::invalid_input, *bad + ": is not valid UTF-8 text"});
  return std::nullopt;
}

int Program::fail(const sync::Error& e) const {
  std::fprintf(stderr, "%s: %s\n", name_.c_str(), e.message.c_str());
  return exitCode(e.code);
}

int Program::run(const std::function<int()>& body) const {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail({sync::Errc::internal, std::string("internal error: ") + e.what()});
  }
}

int Program::usage(const std::string& message) const {
  std::fprintf(stderr, "%s: %s (try --help)\n", name_.c_str(), message.c_str());
  return kUsage;
}

int Program::print(const Table& t, bool json) {
  std::fputs((json ? toJson(t) + "\n" : toText(t)).c_str(), stdout);
  return kOk;
}

sync::Result<std::int64_t> parseDuration(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return sync::fail(sync::Errc::invalid_input,
                      std::string(what) + ": '" + std::string(text) + "' is not a duration like 90s, 30m, 24h or 7d");
  };
  if (text.size() < 2 || text.size() > 10) return bad();
  auto n = sync::parseUnsigned(text.substr(0, text.size() - 1), what);
  if (!n || *n == 0) return bad();
  const auto v = static_cast<std::int64_t>(*n);
  switch (text.back()) {
    case 's': return v * 1000;
    case 'm': return v * 60'000;
    case 'h': return v * 3'600'000;
    case 'd': return v * 86'400'000;
    default: return bad();
  }
}

}  // namespace fieldsync::cli
