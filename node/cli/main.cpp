// fieldsync: the command-line program over a local node.
//
// One table (commands(), in commands.cpp) declares every command, its
// arguments and options; CLI11 parses the command line from it and prints
// the help at every level, so --help is always the truth. Global options
// (--db, --json) come before the command; a value that starts with '-'
// follows '--'. Exit codes: see cli/program.h (0 ok, 1 internal, 2 usage,
// 3 refused, 4 unreachable).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/program.h"
#include "cli/records.h"
#include "node/cli/commands.h"
#include "node/catalogue.h"
#include "node/sync_client.h"

using namespace fieldsync::node;
using namespace fieldsync::node::cli;
using fieldsync::cli::Table;
using fieldsync::cli::toTable;
using fieldsync::sync::Errc;
using fieldsync::sync::Error;

namespace {

const fieldsync::cli::Program kProgram("fieldsync");

int runImport(Node& n, const Args& a, bool json) {
  ImportOptions options{a.flag("dry-run"), 0};
  if (a.has("delimiter")) {
    const std::string d = a.get("delimiter");
    if (d == "tab" || d == "\\t" || d == "\t") options.delimiter = '\t';
    else if (d == "," || d == ";") options.delimiter = d[0];
    else return kProgram.usage("--delimiter: '" + d + "' is not one of , ; tab");
  }
  if (std::filesystem::is_directory(a.pos(0))) return kProgram.fail({Errc::invalid_input, "FILE: '" + a.pos(0) + "' is a directory"});
  std::ifstream in(a.pos(0), std::ios::binary);
  if (!in) return kProgram.fail({Errc::not_found, "FILE: cannot read '" + a.pos(0) + "'"});
  const bool tty = isatty(2) != 0;
  auto sum = Catalogue(n).importUnits(in, options, [tty](std::uint64_t rows) {
    if (tty) std::fprintf(stderr, "\r%llu rows...", static_cast<unsigned long long>(rows));
  });
  if (tty) std::fprintf(stderr, "\r");
  if (!sum) return kProgram.fail(sum.error());
  const Table t = toTable(*sum, options.dry_run);
  if (json) {
    const auto out = nlohmann::ordered_json{{"summary", nlohmann::ordered_json::parse(toJson(t))},
                                            {"problems", sum->problems}};
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
  } else {
    std::fputs(toText(t).c_str(), stdout);
    for (const auto& p : sum->problems) std::printf("%s\n", p.c_str());
    if (sum->invalid + sum->duplicates > sum->problems.size()) std::printf("(more problems not shown)\n");
  }
  if (sum->invalid > 0) {
    std::fprintf(stderr, "fieldsync: %llu invalid rows were skipped%s\n", static_cast<unsigned long long>(sum->invalid),
                 options.dry_run ? "" : "; the valid rows were imported");
    return fieldsync::cli::kRefused;
  }
  return fieldsync::cli::kOk;
}

std::atomic<SyncLoop*> g_watch{nullptr};  // the signal handlers stop it

void progressLine(const SyncProgress& p) {
  std::fprintf(stderr, "\rpushed %llu/%llu, pulled %llu ", static_cast<unsigned long long>(p.pushed),
               static_cast<unsigned long long>(p.to_push), static_cast<unsigned long long>(p.pulled));
}

void noteRecovery(const SyncReport& r) {
  if (r.recovered)
    std::fprintf(stderr,
                 "fieldsync: this database was older than its last sync (restored from a backup?): took back %llu of "
                 "its own ops from the server; %llu made since were renumbered and pushed\n",
                 static_cast<unsigned long long>(r.recovered), static_cast<unsigned long long>(r.renumbered));
  for (const auto& [was, now] : r.renamed)
    std::fprintf(stderr, "fieldsync: %s, made here since the backup, is now %s (the server already had a %s)\n",
                 was.c_str(), now.c_str(), was.c_str());
  if (r.dropped)
    std::fprintf(stderr, "fieldsync: %llu records left this device's scope (reassigned or handed over) and were removed "
                 "from it; the server keeps them\n", static_cast<unsigned long long>(r.dropped));
}

int runSync(Node& n, const std::string& db, bool watch, bool json) {
  const bool tty = isatty(2) != 0;
  const ProgressFn progress = tty ? ProgressFn(progressLine) : ProgressFn();
  if (!watch) {
    auto session = SyncSession::connect(n, db);
    if (!session) {
      auto own = n.ownSeq();
      auto acked = n.settingNumber("sync.acked");
      const std::uint64_t pending = own && acked && *own > *acked ? *own - *acked : 0;
      Error e = session.error();
      if (e.code == Errc::unavailable) e.message += "; " + std::to_string(pending) + " local ops are kept for the next sync";
      return kProgram.fail(e);
    }
    auto report = (*session)->round(progress);
    if (tty) std::fprintf(stderr, "\n");
    if (!report) return kProgram.fail(report.error());
    noteRecovery(*report);
    (*session)->close();
    return kProgram.print(toTable(*report), json);
  }
  SyncLoop::Events events;
  events.progress = progress;
  events.connected = [] { std::fprintf(stderr, "fieldsync: connected; syncing on every change (Ctrl-C stops)\n"); };
  events.failed = [tty](const Error& e, std::chrono::milliseconds retry_in) {
    if (tty) std::fprintf(stderr, "\n");
    std::fprintf(stderr, "fieldsync: %s; retrying in %llds\n", e.message.c_str(),
                 static_cast<long long>(retry_in.count() / 1000));
  };
  events.synced = [tty](const SyncReport& r) {
    noteRecovery(r);
    if (r.pushed || r.pulled) {
      if (tty) std::fprintf(stderr, "\n");
      std::fprintf(stderr, "fieldsync: pushed %llu, pulled %llu\n", static_cast<unsigned long long>(r.pushed),
                   static_cast<unsigned long long>(r.pulled));
    }
  };
  SyncLoop loop(n, db, events);
  g_watch = &loop;
  for (int sig : {SIGINT, SIGTERM})
    std::signal(sig, [](int) {
      if (SyncLoop* l = g_watch.load()) l->stop();
    });
  const auto ended = loop.run();
  g_watch = nullptr;
  if (!ended) return kProgram.fail(ended.error());
  return fieldsync::cli::kOk;
}

}  // namespace

namespace {
int runMain(int argc, char** argv) {
  CommandLine line;
  if (auto done = kProgram.parse(line.app, argc, argv)) return *done;
  const Command& cmd = line.command();
  const Args args = line.args();
  const std::string& db = line.db;
  const bool json = line.json;
  if (db.empty()) return kProgram.usage("--db FILE is required (or set FIELDSYNC_DB)");

  if (cmd.noun == "enroll") {
    auto enrolled = enroll(db, args.pos(0));
    return enrolled ? kProgram.print(toTable(*enrolled), json) : kProgram.fail(enrolled.error());
  }
  if (cmd.noun == "init") {
    auto node = Node::init(db, args.get("company"));
    if (!node) return kProgram.fail(node.error());
    auto st = (*node)->status();
    return st ? kProgram.print(toTable(*st), json) : kProgram.fail(st.error());
  }
  auto node = Node::open(db);
  if (!node) return kProgram.fail(node.error());
  if (cmd.noun == "export") {
    auto out = (*node)->exportJson();
    if (!out) return kProgram.fail(out.error());
    std::fputs(out->c_str(), stdout);
    return fieldsync::cli::kOk;
  }
  if (cmd.noun == "unit" && cmd.verb == "import") return runImport(**node, args, json);
  if (cmd.noun == "sync") return runSync(**node, db, args.flag("watch"), json);
  if (cmd.noun == "devices") {
    auto session = SyncSession::connect(**node, db);
    if (!session) return kProgram.fail(session.error());
    auto list = (*session)->devices();
    if (!list) return kProgram.fail(list.error());
    (*session)->close();
    return kProgram.print(toTable(*list), json);
  }
  auto result = cmd.run(**node, args);
  return result ? kProgram.print(*result, json) : kProgram.fail(result.error());
}
}  // namespace

int main(int argc, char** argv) {
  return kProgram.run([&] { return runMain(argc, argv); });
}
