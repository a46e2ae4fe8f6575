// fieldsync-server: the central server program.
// Exit codes: 0 success, 1 internal error, 2 usage error, 3 input refused,
// 4 the network is not available (cannot listen).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "node/model.h"
#include "server/server.h"

using namespace fieldsync;
using sync::Errc;

namespace {

constexpr const char* kHelp =
    "usage: fieldsync-server --data DIR [--company NAME] [--listen HOST:PORT] [--max-transit DURATION]\n"
    "                        [--max-clock-ahead DURATION]\n"
    "       fieldsync-server --data DIR enroll-token --branch B --role ROLE [--expires DURATION] [--address HOST:PORT]\n"
    "       fieldsync-server --data DIR devices [--json]\n"
    "       fieldsync-server --data DIR revoke DEVICE\n"
    "       fieldsync-server --data DIR export\n"
    "       fieldsync-server --data DIR exceptions [list [--all] | show EXCEPTION | resolve EXCEPTION --note TEXT [--adjust Q | --transfer-from LOC]]\n"
    "\n"
    "Without a command, serves: creates DIR, its key pair and stores on first start\n"
    "(--company is needed then), listens (default 127.0.0.1:7420; port 0 picks a free\n"
    "one), logs one line per session event, and stops cleanly on SIGINT or SIGTERM.\n"
    "--max-transit: how long goods may stay in transit before an exception (default 3d).\n"
    "--max-clock-ahead: how far ahead of the server's clock a device may stamp its ops\n"
    "before a clock_skew exception (default 5m; the ops are applied all the same).\n"
    "\n"
    "commands:\n"
    "  enroll-token  print a single-use enrollment string for one device; ROLE is\n"
    "                technician, warehouse, driver or supervisor; DURATION like 30m,\n"
    "                24h (default) or 7d; the address defaults to where the server\n"
    "                last listened\n"
    "  devices       enrolled devices: branch, role, last contact, ops received, cursor\n"
    "  revoke        a revoked device can no longer connect\n"
    "  export        the merged state as canonical JSON (as 'fieldsync export')\n"
    "  exceptions    the business-rule violations found when offline work merged;\n"
    "                resolving one is an op that every node pulls; a negative_stock\n"
    "                one may also post an adjustment (--adjust Q, now) or a transfer\n"
    "                of the shortfall from LOC, dated before it went below zero\n"
    "\n"
    "exit codes: 0 ok, 1 internal error, 2 usage error, 3 input refused, 4 cannot listen\n";

int usage(const std::string& message) {
  std::fprintf(stderr, "fieldsync-server: %s (try --help)\n", message.c_str());
  return 2;
}

int fail(const sync::Error& e) {
  std::fprintf(stderr, "fieldsync-server: %s\n", e.message.c_str());
  switch (e.code) {
    case Errc::invalid_input:
    case Errc::refused:
    case Errc::not_found:
    case Errc::denied: return 3;
    case Errc::unavailable: return 4;
    default: return 1;
  }
}

// "30m", "24h", "7d", "90s" -> milliseconds; 0 if malformed.
std::int64_t duration(const std::string& text) {
  if (text.size() < 2) return 0;
  const std::string digits = text.substr(0, text.size() - 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return 0;
  const std::int64_t n = std::stoll(digits);
  switch (text.back()) {
    case 's': return n * 1000;
    case 'm': return n * 60'000;
    case 'h': return n * 3'600'000;
    case 'd': return n * 86'400'000;
    default: return 0;
  }
}

bool splitAddress(const std::string& text, std::string& host, std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  const unsigned long v = std::stoul(p);
  if (v > 65535) return false;
  host = text.substr(0, colon);
  port = static_cast<std::uint16_t>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data, company, listen = "127.0.0.1:7420", branch, role, expires = "24h", address, note, adjust, transfer_from, max_transit = "3d",
              max_clock_ahead = "5m";
  bool json = false, all = false;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (a == "--json") { json = true; continue; }
    if (a == "--all") { all = true; continue; }
    std::string* target = a == "--data" ? &data : a == "--company" ? &company : a == "--listen" ? &listen
                        : a == "--branch" ? &branch : a == "--role" ? &role : a == "--expires" ? &expires
                        : a == "--address" ? &address : a == "--note" ? &note : a == "--adjust" ? &adjust
                        : a == "--transfer-from" ? &transfer_from : a == "--max-transit" ? &max_transit
                        : a == "--max-clock-ahead" ? &max_clock_ahead : nullptr;
    if (target) {
      if (!value(*target)) return usage(a + " needs a value");
      continue;
    }
    if (a.rfind("--", 0) == 0) return usage("unknown option '" + a + "'");
    words.push_back(a);
  }
  if (data.empty()) return usage("--data DIR is required");
  const std::string command = words.empty() ? "" : words[0];
  const std::size_t args = words.empty() ? 0 : words.size() - 1;
  const std::string verb = command == "exceptions" ? (args ? words[1] : "list") : "";
  const std::size_t wanted = command == "revoke" ? 1 : command != "exceptions" ? 0 : verb == "list" ? (args ? 1 : 0) : 2;
  if (args != wanted)
    return usage(command.empty() ? "unexpected argument '" + words[0] + "'" : command + ": wrong number of arguments");
  if (!command.empty() && command != "enroll-token" && command != "devices" && command != "revoke" &&
      command != "export" && command != "exceptions")
    return usage("'" + command + "' is not a command");
  if (command == "exceptions" && verb != "list" && verb != "show" && verb != "resolve")
    return usage("exceptions: '" + verb + "' is not list, show or resolve");
  if (verb == "resolve" && note.empty()) return usage("exceptions resolve needs --note");
  // Serving options are checked before anything is created.
  std::string host;
  std::uint16_t port = 0;
  if (!splitAddress(listen, host, port)) return usage("--listen: expected HOST:PORT");
  const std::int64_t transit_ms = duration(max_transit), ahead_ms = duration(max_clock_ahead);
  if (transit_ms <= 0) return usage("--max-transit: '" + max_transit + "' is not a duration like 12h or 3d");
  if (ahead_ms <= 0) return usage("--max-clock-ahead: '" + max_clock_ahead + "' is not a duration like 5m or 1h");

  auto server = server::Server::open(data, company);
  if (!server) return fail(server.error());
  server::Server& s = **server;

  if (command == "enroll-token") {
    if (branch.empty() || role.empty()) return usage("enroll-token needs --branch and --role");
    const std::int64_t valid = duration(expires);
    if (valid <= 0) return usage("--expires: '" + expires + "' is not a duration like 30m, 24h or 7d");
    std::string to_host;
    std::uint16_t to_port = 0;
    if (!address.empty() && !splitAddress(address, to_host, to_port)) return usage("--address: expected HOST:PORT");
    auto ticket = s.enrollToken(branch, role, valid, to_host, to_port);
    if (!ticket) return fail(ticket.error());
    std::printf("%s\n", ticket->c_str());
    return 0;
  }
  if (command == "devices") {
    auto t = s.devices();
    if (!t) return fail(t.error());
    std::fputs((json ? node::toJson(*t) + "\n" : node::toText(*t)).c_str(), stdout);
    return 0;
  }
  if (command == "revoke") {
    if (auto ok = s.revoke(words[1]); !ok) return fail(ok.error());
    std::printf("revoked %s\n", words[1].c_str());
    return 0;
  }
  if (command == "exceptions") {
    std::optional<std::int64_t> qty;
    if (!adjust.empty()) {
      auto q = node::parseQty(adjust, "--adjust");
      if (!q) return fail(q.error());
      qty = *q;
    }
    auto t = verb == "list" ? s.exceptions(all) : verb == "show" ? s.showException(words[2]) : s.resolveException(words[2], {note, qty, transfer_from});
    if (!t) return fail(t.error());
    std::fputs((json ? node::toJson(*t) + "\n" : node::toText(*t)).c_str(), stdout);
    return 0;
  }
  if (command == "export") {
    auto out = s.exportJson();
    if (!out) return fail(out.error());
    std::fputs(out->c_str(), stdout);
    return 0;
  }
  s.setMaxTransit(transit_ms);
  s.setMaxClockAhead(ahead_ms);
  auto bound = s.listen(host, port);
  if (!bound) return fail(bound.error());
  std::printf("fieldsync-server listening on %s:%u, key %s\n", host.c_str(), static_cast<unsigned>(*bound),
              s.publicKeyHex().c_str());
  std::fflush(stdout);
  if (auto ok = s.serve(true); !ok) return fail(ok.error());
  std::fprintf(stderr, "fieldsync-server stopped\n");
  return 0;
}
