// fieldsync-server: the central server program. Without a command it
// serves; the commands administer its data directory. CLI11 parses the
// command line and prints the help at every level. Exit codes: see
// cli/program.h (0 ok, 1 internal, 2 usage, 3 refused, 4 cannot listen).
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "cli/program.h"
#include "cli/records.h"
#include "node/model.h"
#include "server/console/console.h"
#include "server/server.h"
#include "sync/ticket.h"

using namespace fieldsync;
using cli::Table;

namespace {

const cli::Program kProgram("fieldsync-server");

Table devicesTable(const std::vector<server::Device>& devices) {
  Table t{{"device", "branch", "role", "person", "enrolled", "last_contact", "clock_offset_ms", "ops_received", "watermark",
           "cursor", "revoked"},
          {}};
  for (const server::Device& d : devices)
    t.rows.push_back({d.node.hex(), d.branch, d.role, d.person, cli::Time{d.enrolled_at},
                      d.last_contact ? cli::Cell{cli::Time{d.last_contact}} : cli::Cell{}, d.clock_offset_ms,
                      static_cast<std::int64_t>(d.ops_received), static_cast<std::int64_t>(d.watermark),
                      static_cast<std::int64_t>(d.cursor),
                      d.revoked_at ? cli::Cell{cli::Time{*d.revoked_at}} : cli::Cell{}});
  return t;
}

// A line from stdin; from a terminal, without echo.
std::string readSecret(const char* prompt) {
  termios old{};
  const bool tty = isatty(0) && tcgetattr(0, &old) == 0;
  if (tty) {
    std::fprintf(stderr, "%s", prompt);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(0, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(0, TCSANOW, &old);
    std::fprintf(stderr, "\n");
  }
  return line;
}

}  // namespace

namespace {
int runMain(int argc, char** argv) {
  CLI::App app{
      "fieldsync-server: the central server of fieldsync. Without a command it serves: creates DIR, its key pair\n"
      "and stores on first start (--company is needed then), listens, logs one line per session event, and stops\n"
      "cleanly on SIGINT or SIGTERM.",
      "fieldsync-server"};
  app.footer("exit codes: 0 ok, 1 internal error, 2 usage error, 3 input refused, 4 cannot listen");
  std::string data, company, listen = "127.0.0.1:7420", max_transit = "3d", max_clock_skew = "5m";
  bool json = false;
  app.add_option("--data", data, "the data directory (key, server.db or the store's URI, merged.db)")->type_name("DIR")->required();
  app.add_option("--company", company, "the company; needed on first start, must match afterwards")->type_name("NAME");
  app.add_option("--listen", listen, "where to serve (port 0: any free port)")->capture_default_str()->type_name("HOST:PORT");
  app.add_option("--max-transit", max_transit, "how long goods may stay in transit before an exception")
      ->capture_default_str()
      ->type_name("DURATION");
  app.add_option("--max-clock-skew,--max-clock-ahead", max_clock_skew,
                 "how far a device's clock may be ahead of or behind the server's before a clock_skew exception "
                 "(its ops are applied all the same)")
      ->capture_default_str()
      ->type_name("DURATION");
  std::size_t max_connections = 0;
  app.add_option("--max-connections", max_connections,
                 "connections open at once (default: the open-file limit less 32); more are closed when accepted")
      ->type_name("N");
  std::size_t address_handshakes = 8;
  app.add_option("--address-handshakes", address_handshakes,
                 "handshakes in flight from one IP address at once (a site behind one NAT address may need more)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->type_name("N");
  double handshake_rate = 20;
  app.add_option("--handshake-rate", handshake_rate,
                 "handshakes one IP address may start per second (bursts of twice that); more are closed when accepted")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->type_name("N");
  std::size_t threads = 0;
  app.add_option("--threads", threads, "threads serving sessions (default: one per core)")->type_name("N");
  std::string admin_listen;
  app.add_option("--admin-listen", admin_listen,
                 "also serve the web console and GET /metrics here (docs/server.md); keep it on a private address")
      ->type_name("HOST:PORT");
  std::string store;
  app.add_option("--store", store,
                 "a PostgreSQL database that several servers share, as postgresql://USER@HOST:PORT/DB (libpq's URI); "
                 "kept in DIR/store from then on (docs/server.md, \"Several servers\"); default: DIR/server.db")
      ->type_name("URI");
  app.add_flag("--json", json, "print results as JSON");
  app.require_subcommand(0, 1);

  std::string branch, role, technician, driver, expires = "24h", address;
  CLI::App* token = app.add_subcommand("enroll-token", "print a single-use enrollment string for one device");
  token->add_option("--branch", branch, "the branch the device joins")->type_name("NAME")->required();
  token->add_option("--role", role, "technician, warehouse, driver, supervisor or admin (docs/scopes.md)")
      ->type_name("ROLE")
      ->required();
  auto* tech_option =
      token->add_option("--technician", technician, "a technician's device: whose (her van, her cases)")->type_name("NAME");
  token->add_option("--driver", driver, "a driver's device: whose (his shipments)")->type_name("NAME")->excludes(tech_option);
  token->add_option("--expires", expires, "how long the string is valid (30m, 24h, 7d)")->capture_default_str()->type_name("DURATION");
  token->add_option("--address", address, "where devices reach the server (default: where it last listened)")
      ->type_name("HOST:PORT");
  CLI::App* devices = app.add_subcommand("devices", "enrolled devices: branch, role, last contact, ops received, cursor");
  std::string device;
  CLI::App* revoke = app.add_subcommand("revoke", "a revoked device can no longer connect; its open sessions end within a second");
  revoke->add_option("DEVICE", device, "the device's id (32 hex digits, as 'devices' lists it)")->required();
  CLI::App* exported = app.add_subcommand("export", "the merged state as canonical JSON (as 'fieldsync export')");
  std::string scope_of;
  exported->add_option("--device", scope_of, "only what this device holds: its scope (docs/scopes.md)")->type_name("DEVICE");
  CLI::App* exceptions = app.add_subcommand(
      "exceptions", "the business-rule violations found when offline work merged (the open ones without a verb)");
  exceptions->require_subcommand(0, 1);
  bool all = false;
  std::string ref, note, adjust, transfer_from;
  CLI::App* list = exceptions->add_subcommand("list", "list exceptions (the open ones)");
  list->add_flag("--all", all, "resolved ones too");
  CLI::App* show = exceptions->add_subcommand("show", "what an exception is about and what to do");
  show->add_option("EXCEPTION", ref, "an exception number (X-...) or id")->required();
  CLI::App* resolve = exceptions->add_subcommand("resolve", "resolve an exception: an op that every node pulls");
  resolve->add_option("EXCEPTION", ref, "an exception number (X-...) or id")->required();
  resolve->add_option("--note", note, "how it was resolved")->required();
  resolve->add_option("--adjust", adjust, "also post a stock adjustment of Q at the location, now (negative_stock)")
      ->type_name("Q");
  resolve->add_option("--transfer-from", transfer_from,
                      "or a transfer of the shortfall from LOC, dated before it went below zero")
      ->type_name("LOC");
  bool release = false, reject = false;
  auto* release_flag = resolve->add_flag("--release", release, "quarantined: apply the held ops and send them to every device");
  resolve->add_flag("--reject", reject, "quarantined: never apply the held ops (they stay for the audit)")->excludes(release_flag);
  CLI::App* password = app.add_subcommand(
      "admin-password", "set the web console's administrator password (read from stdin; at least 10 characters)");
  std::string backup_dir;
  CLI::App* backup = app.add_subcommand(
      "backup", "a consistent copy of the data directory into a new directory, made while the server serves");
  backup->add_option("BACKUP", backup_dir, "the new directory (mode 0700: it holds the server's key)")->required();
  CLI::App* restore = app.add_subcommand(
      "restore", "bring a backup back into the data directory (the server must be stopped); devices then push "
                 "what the backup lacks and pull their scope anew");
  restore->add_option("BACKUP", backup_dir, "a directory made by 'backup'")->required();
  if (auto done = kProgram.parse(app, argc, argv)) return *done;

  // Serving options are checked before anything is created.
  auto where = sync::parseAddress(listen, true);
  if (!where) return kProgram.usage("--listen: " + where.error().message);
  auto transit_ms = cli::parseDuration(max_transit, "--max-transit");
  if (!transit_ms) return kProgram.usage(transit_ms.error().message);
  auto skew_ms = cli::parseDuration(max_clock_skew, "--max-clock-skew");
  if (!skew_ms) return kProgram.usage(skew_ms.error().message);

  if (restore->parsed()) {
    if (auto ok = server::Server::restore(data, backup_dir); !ok) return kProgram.fail(ok.error());
    std::printf("restored %s from %s\n", data.c_str(), backup_dir.c_str());
    return cli::kOk;
  }
  const bool serving = app.get_subcommands().empty();  // only serving makes a new data directory
  auto opened = server::Server::open(data, company, sync::Hlc::systemClock(), serving, store);
  if (!opened) return kProgram.fail(opened.error());
  server::Server& s = **opened;

  if (token->parsed()) {
    auto valid = cli::parseDuration(expires, "--expires");
    if (!valid) return kProgram.usage(valid.error().message);
    sync::Address to;
    if (!address.empty()) {
      auto parsed = sync::parseAddress(address);
      if (!parsed) return kProgram.usage("--address: " + parsed.error().message);
      to = *parsed;
    }
    if (!technician.empty() && role != "technician") return kProgram.usage("--technician: only with --role technician");
    if (!driver.empty() && role != "driver") return kProgram.usage("--driver: only with --role driver");
    auto ticket = s.enrollToken(branch, role, role == "driver" ? driver : technician, *valid, to.host, to.port);
    if (!ticket) return kProgram.fail(ticket.error());
    std::printf("%s\n", ticket->c_str());
    return cli::kOk;
  }
  if (devices->parsed()) {
    auto all_devices = s.devices();
    return all_devices ? kProgram.print(devicesTable(*all_devices), json) : kProgram.fail(all_devices.error());
  }
  if (revoke->parsed()) {
    if (auto ok = s.revoke(device); !ok) return kProgram.fail(ok.error());
    std::printf("revoked %s\n", device.c_str());
    return cli::kOk;
  }
  if (password->parsed()) {
    const std::string first = readSecret("new console password: ");
    if (isatty(0) && readSecret("again: ") != first) return kProgram.usage("the two passwords differ; nothing was changed");
    if (auto ok = s.setAdminPassword(first); !ok) return kProgram.fail(ok.error());
    std::printf("the console password is set\n");
    return cli::kOk;
  }
  if (backup->parsed()) {
    auto b = s.backup(backup_dir);
    if (!b) return kProgram.fail(b.error());
    Table t{{"backup", "taken", "ops"}, {{b->path, cli::Time{b->at}, static_cast<std::int64_t>(b->ops)}}};
    return kProgram.print(t, json);
  }
  if (exported->parsed()) {
    auto out = scope_of.empty() ? s.exportJson() : s.scopeExport(scope_of);
    if (!out) return kProgram.fail(out.error());
    std::fputs(out->c_str(), stdout);
    return cli::kOk;
  }
  if (exceptions->parsed()) {
    auto print = [&](const auto& r) { return r ? kProgram.print(cli::toTable(*r), json) : kProgram.fail(r.error()); };
    if (show->parsed()) return print(s.showException(ref));
    if (resolve->parsed()) {
      std::optional<std::int64_t> qty;
      if (!adjust.empty()) {
        auto q = node::parseQty(adjust, "--adjust");
        if (!q) return kProgram.fail(q.error());
        qty = *q;
      }
      using D = server::Server::Decision;
      return print(s.resolveException(ref, {note, qty, transfer_from}, release ? D::release : reject ? D::reject : D::none));
    }
    return print(s.exceptions(all));
  }
  // One line per event on stderr; under systemd (JOURNAL_STREAM is set)
  // with a "<N>" priority prefix that journald reads as the line's level.
  const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  s.setLog([journal](server::LogLevel level, const std::string& line) {
    const char* word = level == server::LogLevel::error ? "error: " : level == server::LogLevel::warning ? "warning: " : "";
    if (journal) std::fprintf(stderr, "<%d>%s\n", static_cast<int>(level), line.c_str());
    else std::fprintf(stderr, "%s%s\n", word, line.c_str());
  });
  s.setThreads(threads);
  s.setMaxTransit(*transit_ms);
  s.setMaxClockSkew(*skew_ms);
  server::Server::Limits limits;
  limits.connections = max_connections;
  limits.per_address = address_handshakes;
  limits.per_address_rate = handshake_rate;
  s.setLimits(limits);
  std::optional<sync::Address> console_at;
  if (!admin_listen.empty()) {
    auto parsed = sync::parseAddress(admin_listen, true);
    if (!parsed) return kProgram.usage("--admin-listen: " + parsed.error().message);
    console_at = *parsed;
  }
  auto bound = s.listen(where->host, where->port);
  if (!bound) return kProgram.fail(bound.error());
  server::Console console(s);
  if (console_at) {
    auto at = console.listen(console_at->host, console_at->port);
    if (!at) return kProgram.fail(at.error());
    console_at->port = *at;
  }
  std::printf("fieldsync-server listening on %s, key %s\n", sync::Address{where->host, *bound}.text().c_str(),
              s.publicKeyHex().c_str());
  if (console_at) std::printf("console on http://%s/\n", console_at->text().c_str());
  std::fflush(stdout);
  std::thread console_thread([&] { console.run(); });
  const auto served = s.serve(true);
  console.stop();
  console_thread.join();
  if (!served) return kProgram.fail(served.error());
  std::fprintf(stderr, "%sfieldsync-server stopped\n", journal ? "<6>" : "");
  return cli::kOk;
}
}  // namespace

int main(int argc, char** argv) {
  return kProgram.run([&] { return runMain(argc, argv); });
}
