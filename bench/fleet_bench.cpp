// W3 (bootstrap a new device) and W4 (idle sessions the server holds).
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "bench/bench.h"
#include "node/sync_client.h"
#include "server/server.h"

namespace fieldsync::bench {
namespace {

using node::Node;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

std::string enrollTicket(server::Server& s, std::uint16_t port) {
  auto t = s.enrollToken("bench", "technician", 3'600'000, "127.0.0.1", port);
  if (!t) die(t.error().message);
  return *t;
}

double rssMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return NAN;
}

}  // namespace

std::vector<Row> bootstrap(const Options& o) {
  const std::size_t rows = o.quick ? 100'000 : 1'000'000;
  const std::string dir = o.dir + "/w3";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto opened = server::Server::open(dir + "/server", "BENCH");
  if (!opened) die(opened.error().message);
  server::Server& s = **opened;
  s.setLog([](const std::string&) {});
  const std::uint16_t port = *s.listen("127.0.0.1", 0);
  std::thread serving([&] { (void)s.serve(); });

  if (!node::enroll(dir + "/branch.db", enrollTicket(s, port))) die("W3: enroll failed");
  auto branch = Node::open(dir + "/branch.db");
  std::mt19937_64 rng(3);
  std::vector<sync::Id> records(rows / 10);
  for (auto& r : records) r = sync::randomId();
  for (std::size_t at = 0; at < rows; at += 10'000) {
    std::vector<Node::Write> ws;
    for (std::size_t i = at; i < std::min(rows, at + 10'000); ++i)
      ws.push_back({sync::EntityType::item, records[i / 10], {{static_cast<sync::FieldId>(2 + i % 10),
                                                               static_cast<std::int64_t>(rng() % 1'000'000)}}});
    if (!(*branch)->writeRegisters(ws)) die("W3: writes failed");
  }
  auto push = node::SyncSession::connect(**branch, dir + "/branch.db", std::chrono::seconds(120));
  if (!push || !(*push)->round()) die("W3: the branch could not push");
  (*push)->close();

  // The new device: enroll, then pull everything.
  node::SyncReport report;
  const double secs = timeIt([&] {
    if (!node::enroll(dir + "/new.db", enrollTicket(s, port))) die("W3: enroll failed");
    auto fresh = Node::open(dir + "/new.db");
    auto session = node::SyncSession::connect(**fresh, dir + "/new.db", std::chrono::seconds(120));
    if (!session) die(session.error().message);
    auto r = (*session)->round();
    if (!r) die(r.error().message);
    report = *r;
    (*session)->close();
  });
  s.stop();
  serving.join();
  const double snapshot = static_cast<double>(std::filesystem::file_size(dir + "/server/merged.db")) / (1 << 20);
  const std::string w = "W3 bootstrap, a branch of " + std::to_string(rows / 1000) + "k rows (full pull)";
  return {
      {w, "seconds until the new device has everything", secs, "s", "", NAN},
      {w, "bytes pulled", static_cast<double>(report.bytes_in) / (1 << 20), "MiB",
       "the merged database file (a snapshot would send it)", snapshot},
      {w, "ops pulled per second", static_cast<double>(report.pulled) / secs, "ops/s", "", NAN},
  };
}

std::vector<Row> idleSessions(const Options& o) {
  const std::size_t sessions = o.quick ? 200 : 2000;
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  const rlim_t want = sessions * 6 + 1024;
  if (lim.rlim_cur < want) {
    lim.rlim_cur = want;
    lim.rlim_max = std::max(lim.rlim_max, want);
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) die("W4: cannot raise the file descriptor limit to " + std::to_string(want));
  }
  const std::string dir = o.dir + "/w4";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string server_bin = (std::filesystem::path(o.fieldsync).parent_path().parent_path() / "server" /
                                  "fieldsync-server").string();
  const std::string out = dir + "/server.out";
  const pid_t pid = fork();
  if (pid == 0) {
    if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen("/dev/null", "w", stderr)) _exit(126);
    execl(server_bin.c_str(), server_bin.c_str(), "--data", (dir + "/server").c_str(), "--company", "BENCH",
          "--listen", "127.0.0.1:0", nullptr);
    _exit(127);
  }
  std::uint16_t port = 0;
  for (int i = 0; i < 100 && !port; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);
    if (auto at = line.find("127.0.0.1:"); at != std::string::npos) port = static_cast<std::uint16_t>(std::stoi(line.substr(at + 10)));
  }
  if (!port) die("W4: the server did not start");
  auto admin = server::Server::open(dir + "/server", "");
  if (!admin) die(admin.error().message);
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::unique_ptr<node::SyncSession>> open;
  for (std::size_t i = 0; i < sessions; ++i) {
    const std::string path = dir + "/d" + std::to_string(i) + ".db";
    if (!node::enroll(path, enrollTicket(**admin, port))) die("W4: enroll failed");
    auto n = Node::open(path);
    if (!n) die(n.error().message);
    nodes.push_back(std::move(n).value());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double before = rssMiB(pid);
  const double secs = timeIt([&] {
    for (std::size_t i = 0; i < sessions; ++i) {
      auto s = node::SyncSession::connect(*nodes[i], dir + "/d" + std::to_string(i) + ".db", std::chrono::seconds(30));
      if (!s) die("W4: session " + std::to_string(i) + ": " + s.error().message);
      open.push_back(std::move(s).value());
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double after = rssMiB(pid);
  open.clear();  // says goodbye on each
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string w = "W4 sessions (" + std::to_string(sessions) + " devices, real server process)";
  return {
      {w, "idle authenticated sessions held", static_cast<double>(sessions), "sessions", "", NAN},
      {w, "handshakes to open them all", static_cast<double>(sessions) / secs, "1/s", "", NAN},
      {w, "server memory per idle session", (after - before) * 1024.0 / static_cast<double>(sessions), "KiB", "", NAN},
      {w, "server RSS with all sessions open", after, "MiB", "server RSS before", before},
  };
}

}  // namespace fieldsync::bench
