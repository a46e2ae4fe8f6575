// W3 (bootstrap a new device) and W4 (idle sessions the server holds).
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <pqxx/pqxx>

#include "bench/bench.h"
#include "bench/local_server.h"
#include "node/cases.h"
#include "node/catalogue.h"
#include "node/rights.h"
#include "node/shipments.h"
#include "node/stock.h"
#include "node/sync_client.h"
#include "server/server.h"

namespace fieldsync::bench {
namespace {

using node::Node;

std::string enrollTicket(server::Server& s, std::uint16_t port) {
  auto t = s.enrollToken("bench", "admin", "", 3'600'000, "127.0.0.1", port);
  if (!t) die(t.error().message);
  return *t;
}

// A figure from /proc/PID/status, in MiB: "VmRSS:" now, "VmHWM:" the peak.
double statusMiB(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size())) / 1024.0;
  return NAN;
}

void raiseFdLimit(rlim_t want) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = want;
  lim.rlim_max = std::max(lim.rlim_max, want);
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) die("cannot raise the file descriptor limit to " + std::to_string(want));
}

// The real fieldsync-server program as a child, with an admin handle on its
// data directory (dir/name) for enrollment tokens. With `store` (a
// postgresql:// URI) it serves that shared store; a second process there
// takes a copy of the first one's key (dir/server/server.key).
struct ChildServer {
  pid_t pid = -1;
  std::uint16_t port = 0;
  std::unique_ptr<server::Server> admin;

  ChildServer(const Options& o, const std::string& dir, const std::string& store = "",
              const std::string& name = "server") {
    const std::string bin = (std::filesystem::path(o.fieldsync).parent_path().parent_path() / "server" /
                             "fieldsync-server").string();
    const std::string data = dir + "/" + name, out = dir + "/" + name + ".out";
    if (name != "server") {
      std::filesystem::create_directories(data);
      std::filesystem::permissions(data, std::filesystem::perms::owner_all);
      std::filesystem::copy_file(dir + "/server/server.key", data + "/server.key");
    }
    std::vector<std::string> args{bin, "--data", data, "--company", "BENCH", "--listen", "127.0.0.1:0",
                                  // every simulated device comes from 127.0.0.1
                                  "--handshake-rate", "1000000", "--address-handshakes", "100000"};
    if (!store.empty()) args.insert(args.end(), {"--store", store});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid = fork();
    if (pid == 0) {
      if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen("/dev/null", "w", stderr)) _exit(126);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    for (int i = 0; i < 300 && !port; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::ifstream in(out);
      std::string line;
      std::getline(in, line);
      if (auto at = line.find("127.0.0.1:"); at != std::string::npos)
        port = static_cast<std::uint16_t>(std::stoi(line.substr(at + 10)));
    }
    if (!port) die("the server did not start");
    auto a = server::Server::open(data, "");
    if (!a) die(a.error().message);
    admin = std::move(a).value();
  }
  ~ChildServer() {
    admin.reset();
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  // A technician's or driver's device is `person`'s.
  std::unique_ptr<Node> device(const std::string& path, const std::string& role = "admin", const std::string& person = "") {
    auto t = admin->enrollToken("bench", role, person, 3'600'000, "127.0.0.1", port);
    if (!t) die(t.error().message);
    if (auto ok = node::enroll(path, *t); !ok) die(ok.error().message);
    auto n = Node::open(path);
    if (!n) die(n.error().message);
    return std::move(n).value();
  }
};

}  // namespace

// A branch of `rows` register writes: 2,000 items, and cases of ten writes
// each (the number, then customer, site, problem or priority again and
// again); one case in a hundred has a visit for technician tech0, whose
// scope is then about 1% of the branch (docs/scopes.md).
std::vector<Row> bootstrap(const Options& o) {
  const std::size_t rows = o.quick ? 100'000 : 1'000'000;
  const std::string dir = o.dir + "/w3";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto local = std::make_unique<LocalServer>(dir + "/server");
  server::Server& s = *local->server;
  const std::uint16_t port = local->port;

  if (!node::enroll(dir + "/branch.db", enrollTicket(s, port))) die("W3: enroll failed");
  auto branch = Node::open(dir + "/branch.db");
  std::mt19937_64 rng(3);
  std::vector<Node::Write> ws;
  auto flush = [&] {
    if (!(*branch)->writeRegisters(ws)) die("W3: writes failed");
    ws.clear();
  };
  for (int i = 0; i < 2000; ++i)
    ws.push_back({sync::EntityType::item, sync::randomId(), {{node::item_f::code, "P-" + std::to_string(i)}}});
  for (std::size_t c = 0; 2000 + c * 10 < rows; ++c) {
    const sync::Id id = sync::randomId();
    ws.push_back({sync::EntityType::service_case, id, {{node::case_f::number, "C-" + std::to_string(c)}}});
    for (int k = 0; k < 9; ++k) {
      const auto f = static_cast<sync::FieldId>(node::case_f::customer + rng() % 4);  // 3 to 6; unit (5) stands for priority
      ws.push_back({sync::EntityType::service_case, id,
                    {f == node::case_f::unit ? sync::Field{node::case_f::priority, static_cast<std::int64_t>(rng() % 4)}
                                             : sync::Field{f, "text " + std::to_string(rng() % 1000)}}});
    }
    if (c % 100 == 0)
      ws.push_back({sync::EntityType::visit, sync::randomId(),
                    {{node::visit_f::service_case, sync::Blob{std::string(id.view())}},
                     {node::visit_f::technician, std::string("tech0")},
                     {node::visit_f::window_from, static_cast<std::int64_t>(c)}}});
    if (ws.size() >= 10'000) flush();
  }
  flush();
  auto push = node::SyncSession::connect(**branch, dir + "/branch.db", std::chrono::seconds(120));
  if (!push || !(*push)->round()) die("W3: the branch could not push");
  (*push)->close();
  const std::uint64_t in_log = *s.opCount();

  // A new device of each kind: enroll, then one sync.
  struct Boot {
    double secs = 0;
    node::SyncReport report;
  };
  int n = 0;
  auto boot = [&](const std::string& role, const std::string& person) {
    const std::string path = dir + "/new" + std::to_string(n++) + ".db";
    Boot b;
    b.secs = timeIt([&] {
      auto t = s.enrollToken("bench", role, person, 3'600'000, "127.0.0.1", port);
      if (!t || !node::enroll(path, *t)) die("W3: enroll failed");
      auto fresh = Node::open(path);
      auto session = node::SyncSession::connect(**fresh, path, std::chrono::seconds(120));
      if (!session) die(session.error().message);
      auto r = (*session)->round();
      if (!r) die(r.error().message);
      b.report = *r;
      (*session)->close();
    });
    return b;
  };
  const Boot full = boot("admin", ""), whole = boot("supervisor", ""), tech = boot("technician", "tech0");
  local.reset();
  const double merged = static_cast<double>(std::filesystem::file_size(dir + "/server/merged.db")) / (1 << 20);
  const std::string w = "W3 bootstrap, a branch of " + std::to_string(rows / 1000) + "k rows (" +
                        std::to_string(in_log / 1000) + "k ops)";
  auto mib = [](const Boot& b) { return static_cast<double>(b.report.bytes_in) / (1 << 20); };
  return {
      {w, "seconds, a technician's scope (snapshot)", tech.secs, "s", "an administrator's full pull", full.secs},
      {w, "ops pulled, a technician's scope", static_cast<double>(tech.report.pulled), "ops", "full pull",
       static_cast<double>(full.report.pulled)},
      {w, "seconds, the whole branch (a supervisor's snapshot)", whole.secs, "s", "an administrator's full pull",
       full.secs},
      {w, "bytes pulled, the whole branch", mib(whole), "MiB", "the merged database file", merged},
      {w, "bytes pulled, a technician's scope", mib(tech), "MiB", "full pull", mib(full)},
  };
}

std::vector<Row> idleSessions(const Options& o) {
  const std::size_t sessions = o.quick ? 200 : 2000;
  raiseFdLimit(sessions * 6 + 1024);
  const std::string dir = o.dir + "/w4";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ChildServer srv(o, dir);
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::unique_ptr<node::SyncSession>> open;
  for (std::size_t i = 0; i < sessions; ++i) nodes.push_back(srv.device(dir + "/d" + std::to_string(i) + ".db"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double before = statusMiB(srv.pid, "VmRSS:");
  const double secs = timeIt([&] {
    for (std::size_t i = 0; i < sessions; ++i) {
      auto s = node::SyncSession::connect(*nodes[i], dir + "/d" + std::to_string(i) + ".db", std::chrono::seconds(30));
      if (!s) die("W4: session " + std::to_string(i) + ": " + s.error().message);
      open.push_back(std::move(s).value());
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double after = statusMiB(srv.pid, "VmRSS:");
  open.clear();  // says goodbye on each
  const std::string w = "W4 sessions (" + std::to_string(sessions) + " devices, real server process)";
  return {
      {w, "idle authenticated sessions held", static_cast<double>(sessions), "sessions", "", NAN},
      {w, "handshakes to open them all", static_cast<double>(sessions) / secs, "1/s", "", NAN},
      {w, "server memory per idle session", (after - before) * 1024.0 / static_cast<double>(sessions), "KiB", "", NAN},
      {w, "server RSS with all sessions open", after, "MiB", "server RSS before", before},
  };
}

// A day of a profile of domain.md section 4.3 (W2: M on SQLite; P2: L on
// PostgreSQL): technicians, warehouse handhelds and drivers, each its own
// node, working offline and syncing through the real server with
// reconciliation on.
namespace {

struct DayProfile {
  std::string workload, name;
  int techs = 0, handhelds = 0, drivers = 0, branches = 0;
  std::string store;  // a postgresql:// URI, or empty: DIR/server.db
};

std::vector<Row> profileDay(const Options& o, const DayProfile& profile) {
  using node::MoveKind;
  using node::MoveSpec;
  const int techs = profile.techs, handhelds = profile.handhelds, drivers = profile.drivers;
  const int branches = profile.branches, parts = 200;
  raiseFdLimit(static_cast<rlim_t>((techs + handhelds + drivers) * 8 + 1024));
  const std::string dir = o.dir + "/" + profile.workload;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto srv = std::make_unique<ChildServer>(o, dir, profile.store);
  struct Dev {
    std::string path;
    std::unique_ptr<Node> node;
  };
  std::vector<Dev> all;
  auto add = [&](const std::string& name, const std::string& role) -> Dev& {
    all.push_back({dir + "/" + name + ".db", nullptr});
    all.back().node = srv->device(all.back().path, role, node::rolePerson(role) ? name : "");
    return all.back();
  };
  auto sync = [&](Dev& d) {
    auto session = node::SyncSession::connect(*d.node, d.path, std::chrono::seconds(120));
    if (!session) die(profile.workload + ": " + session.error().message);
    auto r = (*session)->round();
    if (!r) die(profile.workload + ": " + r.error().message);
    (*session)->close();
    return *r;
  };
  auto wh = [](int b) { return "WH-" + std::to_string(b); };
  auto van = [](int t) { return "VAN-" + std::to_string(t); };
  auto part = [](std::uint64_t p) { return "P-" + std::to_string(p); };

  // The back office sets up the catalogue and opening stock; everyone takes it.
  Dev& office = add("office", "supervisor");
  for (int p = 0; p < parts; ++p) (void)node::Catalogue(*office.node).addItem({part(static_cast<std::uint64_t>(p)), "", false, 0, 0});
  for (int b = 0; b < branches; ++b) (void)node::Catalogue(*office.node).addLocation({wh(b), "", node::LocationKind::warehouse, "", false, {}});
  for (int t = 0; t < techs; ++t)
    (void)node::Catalogue(*office.node).addLocation({van(t), "", node::LocationKind::van, "tech" + std::to_string(t), false, {}});
  for (int p = 0; p < parts; ++p)
    for (int b = 0; b < branches; ++b)
      (void)node::Stock(*office.node).move({MoveKind::receipt, part(static_cast<std::uint64_t>(p)), "", wh(b), 50'000, {}, {}, {}, false});
  addCustomers(*office.node, 500, 0);
  sync(office);
  for (int t = 0; t < techs; ++t) add("tech" + std::to_string(t), "technician");
  for (int h = 0; h < handhelds; ++h) add("hh" + std::to_string(h), "warehouse");
  for (int d = 0; d < drivers; ++d) add("drv" + std::to_string(d), "driver");
  for (std::size_t i = 1; i < all.size(); ++i) sync(all[i]);
  std::uint64_t before_day = 0;
  for (Dev& d : all) before_day += *d.node->ownSeq();

  // Morning, offline: handhelds fill vans, move goods, and dispatch shipments.
  std::mt19937_64 rng(2);
  std::vector<std::string> shipments;
  for (int h = 0; h < handhelds; ++h) {
    Node& n = *all[static_cast<std::size_t>(1 + techs + h)].node;
    const int b = h % branches;
    for (int t = h; t < techs; t += handhelds)  // ten replenishment lines per van
      for (int k = 0; k < 10; ++k)
        (void)node::Stock(n).move({MoveKind::transfer, part(rng() % parts), wh(t % branches), van(t), 1000, {}, {}, {}, false});
    for (int k = 0; k < 200; ++k) {  // warehouse lines
      const std::string p = part(rng() % parts);
      if (k % 2) (void)node::Stock(n).move({MoveKind::receipt, p, "", wh(b), 3000, {}, {}, {}, false});
      else (void)node::Stock(n).move({MoveKind::issue, p, wh(b), "", 2000, {}, {}, {}, true});
    }
    for (int k = 0; k < 8; ++k) {  // shipments of three lines
      const std::string driver = "drv" + std::to_string(shipments.size() % static_cast<std::size_t>(drivers));
      auto s = node::Shipments(n).create("Customer " + std::to_string(rng() % 500), "", wh(b), driver);
      if (!s) continue;
      const std::string number = s->number;
      for (int l = 0; l < 3; ++l) (void)node::Shipments(n).addLine(number, part(rng() % parts), 1000, {}, true);
      if (node::Shipments(n).track(number, {node::ShipmentStatus::dispatched, {}, {}, {}, {}, {}, true, {}, {}, {}, {}})) shipments.push_back(number);
    }
  }
  for (int h = 0; h < handhelds; ++h) sync(all[static_cast<std::size_t>(1 + techs + h)]);
  for (int d = 0; d < drivers; ++d) sync(all[static_cast<std::size_t>(1 + techs + handhelds + d)]);

  // The day, offline: technicians' visits, drivers' deliveries.
  for (int t = 0; t < techs; ++t) {
    Node& n = *all[static_cast<std::size_t>(1 + t)].node;
    for (int v = 0; v < 5 + (t % 2); ++v) {
      auto c = node::Cases(n).open({"Customer " + std::to_string(rng() % 500), "", "", "", "fault", node::Priority::normal, {}});
      if (!c) continue;
      const std::string number = c->number;
      (void)node::Cases(n).schedule(number, "tech" + std::to_string(t), 1, 2);
      (void)node::Cases(n).setStatus(number, node::CaseStatus::in_progress, {});
      for (int k = 0; k < 1 + (v % 2); ++k)
        (void)node::Cases(n).usePart(number, {MoveKind::consumption, part(rng() % parts), van(t), "", 1000, {}, {}, {}, true});
      (void)node::Cases(n).log(number, "replaced the worn part", {});
      (void)node::Cases(n).signOff(number, "customer", {});
      (void)node::Cases(n).setStatus(number, node::CaseStatus::resolved, {});
    }
  }
  for (std::size_t i = 0; i < shipments.size(); ++i) {
    Node& n = *all[static_cast<std::size_t>(1 + techs + handhelds) + i % static_cast<std::size_t>(drivers)].node;
    (void)node::Shipments(n).track(shipments[i], {node::ShipmentStatus::out_for_delivery, {}, {}, {}, {}, {}, false, {}, {}, {}, {}});
    if (i % 10 == 0) (void)node::Shipments(n).track(shipments[i], {node::ShipmentStatus::attempt_failed, {}, "", "", "", "not_home", false, {}, {}, {}, {}});
    (void)node::Shipments(n).track(shipments[i], {node::ShipmentStatus::delivered, {}, "recipient", "sha256:00", "dock", {}, false, {}, {}, {}, {}});
  }

  // Evening: everyone pushes (ingest, over open sessions), then pulls until
  // every node has converged.
  std::uint64_t made = 0, pushed = 0;
  for (Dev& d : all) made += *d.node->ownSeq();
  made -= before_day;
  std::vector<std::vector<sync::Op>> pending;
  for (Dev& d : all) {
    pending.push_back(*d.node->opsOf(d.node->nodeId(), *d.node->settingNumber("sync.acked"), 1'000'000));
    pushed += pending.back().size();
  }
  auto pointAt = [&](std::uint16_t port) {
    for (Dev& d : all) (void)d.node->setSetting("sync.server", "127.0.0.1:" + std::to_string(port));
  };
  auto ingest = [&] {  // seconds to push the evening's ops over open sessions
    std::vector<std::unique_ptr<node::SyncSession>> sessions;
    for (Dev& d : all) {
      auto session = node::SyncSession::connect(*d.node, d.path, std::chrono::seconds(120));
      if (!session) die(profile.workload + ": " + session.error().message);
      sessions.push_back(std::move(session).value());
    }
    return timeIt([&] {
      for (std::size_t i = 0; i < all.size(); ++i)
        if (!pending[i].empty() && !sessions[i]->pushBatch(pending[i])) die(profile.workload + ": a push failed");
    });
  };
  // Checks on against off: the same evening pushed into two copies of the
  // server as it stood, each run in this process (a SQLite data directory
  // only: a PostgreSQL store is not copied so).
  srv.reset();
  double copy_rate[2] = {NAN, NAN};
  for (int checks = 0; checks < 2 && profile.store.empty(); ++checks) {
    const std::string copy = dir + "/server-copy-" + std::to_string(checks);
    std::filesystem::copy(dir + "/server", copy, std::filesystem::copy_options::recursive);
    LocalServer s(copy, false);
    s.server->setChecks(checks == 1);
    pointAt(s.port);
    copy_rate[checks] = static_cast<double>(pushed) / ingest();
  }
  srv = std::make_unique<ChildServer>(o, dir, profile.store);
  pointAt(srv->port);
  const double ingest_s = ingest();
  const double converge_s = timeIt([&] {  // two pullers, one per core; each node stays on one thread
    std::thread other([&] {
      for (std::size_t i = 1; i < all.size(); i += 2) sync(all[i]);
    });
    for (std::size_t i = 0; i < all.size(); i += 2) sync(all[i]);
    other.join();
  }) + ingest_s;
  // Each device holds exactly its scope of the merged state (docs/scopes.md):
  // the office, and the first two devices of each other role, are checked.
  for (std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t(1 + techs), std::size_t(2 + techs),
                        std::size_t(1 + techs + handhelds), std::size_t(2 + techs + handhelds)}) {
    auto expected = srv->admin->scopeExport(all[i].node->nodeId().hex());
    if (!expected || *expected != *all[i].node->exportJson())
      die(profile.workload + ": " + all[i].path + " does not hold its scope");
  }
  auto exceptions = srv->admin->exceptions(false);
  const double peak = statusMiB(srv->pid, "VmHWM:");
  const std::string w = profile.workload + " a day of the " + profile.name + " profile (" + std::to_string(techs) +
                        " technicians, " + std::to_string(handhelds) + " handhelds, " + std::to_string(drivers) +
                        " drivers" + (profile.store.empty() ? "" : ", PostgreSQL") + ")";
  std::vector<Row> rows{
      {w, "ops made during the day", static_cast<double>(made), "ops", "", NAN},
      {w, "server ingest with reconciliation", static_cast<double>(pushed) / ingest_s, "ops/s", "", NAN},
      {w, "seconds until every node has converged", converge_s, "s", "", NAN},
      {w, "open exceptions raised", exceptions ? static_cast<double>(exceptions->size()) : NAN, "", "", NAN},
      {w, "server peak RSS", peak, "MiB", "", NAN},
  };
  if (profile.store.empty())
    rows.insert(rows.begin() + 2, {w, "server ingest with checks (in-process copy)", copy_rate[1], "ops/s",
                                   "the same with checks off", copy_rate[0]});
  return rows;
}

// A new, empty database on the cluster of --postgres, as a URI.
std::string freshDatabase(const Options& o, const std::string& name) {
  if (o.postgres.empty()) die("this workload needs --postgres URI (scripts/bench.sh starts a private cluster)");
  try {
    pqxx::connection c(o.postgres);
    pqxx::nontransaction(c).exec("DROP DATABASE IF EXISTS " + name);
    pqxx::nontransaction(c).exec("CREATE DATABASE " + name);
  } catch (const std::exception& e) {
    die(std::string("--postgres: ") + e.what());
  }
  return o.postgres.substr(0, o.postgres.rfind('/') + 1) + name;
}

}  // namespace

// The day of --profile (domain.md 4.3: technicians, handhelds, drivers,
// branches); --quick: a tenth of M.
DayProfile dayOf(const Options& o, const std::string& workload, const std::string& store) {
  if (o.quick) return {workload, "M", 15, 4, 3, 1, store};
  if (o.profile == "L") return {workload, "L", 1500, 300, 250, 50, store};
  return {workload, "M", 150, 40, 30, 10, store};
}

std::vector<Row> profileDayW2(const Options& o) { return profileDay(o, dayOf(o, "W2", "")); }

// P2: W2's day on a PostgreSQL store, beside W2 on SQLite.
std::vector<Row> pgProfileDay(const Options& o) { return profileDay(o, dayOf(o, "P2", freshDatabase(o, "bench_p2"))); }

// P1: 1, 2 and 4 server processes on one PostgreSQL store (docs/server.md,
// "Several servers"), beside one process on SQLite in the same run. 20
// devices push at once, device i to server i % k (ingest); then a new
// device on the last server pulls everything (pushed on one server, pulled
// from another: end to end).
std::vector<Row> postgresServers(const Options& o) {
  const std::size_t total = o.quick ? 20'000 : 100'000, devices = 20;
  raiseFdLimit(4096);
  const std::string w = "P1 servers on one PostgreSQL store, " + std::to_string(total / 1000) + "k ops from " +
                        std::to_string(devices) + " devices";
  std::vector<Row> rows;
  double sqlite_ingest = NAN, sqlite_e2e = NAN;
  for (std::size_t k : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{4}}) {  // 0: SQLite
    const std::string dir = o.dir + "/p1";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string store = k ? freshDatabase(o, "bench_p1") : "";
    std::vector<std::unique_ptr<ChildServer>> servers;
    for (std::size_t i = 0; i < std::max<std::size_t>(k, 1); ++i)
      servers.push_back(std::make_unique<ChildServer>(o, dir, store, i ? "server" + std::to_string(i) : "server"));
    std::vector<std::unique_ptr<Node>> nodes;
    std::vector<std::string> paths;
    std::mt19937_64 rng(7);
    for (std::size_t i = 0; i < devices; ++i) {
      paths.push_back(dir + "/d" + std::to_string(i) + ".db");
      nodes.push_back(servers[0]->device(paths.back()));
      (void)nodes.back()->setSetting("sync.server", "127.0.0.1:" + std::to_string(servers[i % servers.size()]->port));
      std::vector<Node::Write> ws;
      for (std::size_t n = 0; n < total / devices; ++n) ws.push_back({sync::EntityType::item, sync::randomId(), {benchField(rng)}});
      if (!nodes.back()->writeRegisters(ws)) die("P1: a write failed");
    }
    std::vector<std::unique_ptr<node::SyncSession>> sessions;
    for (std::size_t i = 0; i < devices; ++i) {
      auto session = node::SyncSession::connect(*nodes[i], paths[i], std::chrono::seconds(120));
      if (!session) die("P1: " + session.error().message);
      sessions.push_back(std::move(session).value());
    }
    const double ingest_s = timeIt([&] {
      std::vector<std::thread> pushers;
      for (std::size_t i = 0; i < devices; ++i)
        pushers.emplace_back([&, i] {
          auto mine = *nodes[i]->opsOf(nodes[i]->nodeId(), 0, total);
          for (std::size_t at = 0; at < mine.size(); at += 1000)
            if (!sessions[i]->pushBatch(std::span(mine).subspan(at, std::min<std::size_t>(1000, mine.size() - at))))
              die("P1: a push failed");
        });
      for (auto& t : pushers) t.join();
    });
    for (auto& s : sessions) s->close();
    const std::string reader_path = dir + "/reader.db";
    auto reader = servers.back()->device(reader_path);
    node::SyncReport pulled;
    const double pull_s = timeIt([&] {
      auto session = node::SyncSession::connect(*reader, reader_path, std::chrono::seconds(120));
      if (!session) die("P1: " + session.error().message);
      auto r = (*session)->round();
      if (!r) die("P1: " + r.error().message);
      pulled = *r;
      (*session)->close();
    });
    if (pulled.pulled < total) die("P1: the reader did not get every op");
    const double ingest = static_cast<double>(total) / ingest_s, e2e = static_cast<double>(total) / (ingest_s + pull_s);
    if (!k) {
      sqlite_ingest = ingest;
      sqlite_e2e = e2e;
      continue;
    }
    const std::string on = std::to_string(k) + (k == 1 ? " server process" : " server processes");
    rows.push_back({w, "ingest, " + on, ingest, "ops/s", "one process on SQLite", sqlite_ingest});
    rows.push_back({w, "end to end (ingest, then a full pull from the last server), " + on, e2e, "ops/s",
                    "one process on SQLite", sqlite_e2e});
  }
  return rows;
}

}  // namespace fieldsync::bench
