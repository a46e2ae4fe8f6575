// Sync workloads over loopback with an in-process server: end-to-end
// throughput and bytes per op, server ingest with concurrent devices, and
// the crypto figures. Baselines are measured in the same run.
#include <sodium.h>

#include <barrier>
#include <map>
#include <filesystem>
#include <random>
#include <thread>

#include "bench/bench.h"
#include "bench/local_server.h"
#include "bench/raw_sqlite.h"
#include "node/cases.h"
#include "node/catalogue.h"
#include "node/shipments.h"
#include "node/reconcile.h"
#include "node/stock.h"
#include "node/sync_client.h"
#include "server/server.h"
#include "sync/codec.h"
#include "sync/crypto.h"

namespace fieldsync::bench {
namespace {

using node::Node;


void write(Node& n, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<sync::Id> records(std::max<std::size_t>(count / 10, 1));
  for (sync::Id& r : records) r = sync::randomId();
  for (std::size_t at = 0; at < count; at += 10'000) {
    std::vector<Node::Write> ws;
    for (std::size_t i = at; i < std::min(count, at + 10'000); ++i)
      ws.push_back({sync::EntityType::item, records[rng() % records.size()], {benchField(rng)}});
    if (!n.writeRegisters(ws)) die("writeRegisters failed");
  }
}

node::SyncReport syncOnce(Node& n, const std::string& path) {
  auto session = node::SyncSession::connect(n, path, std::chrono::seconds(60));
  if (!session) die(session.error().message);
  auto r = (*session)->round();
  if (!r) die(r.error().message);
  (*session)->close();
  return *r;
}

}  // namespace

std::vector<Row> syncEndToEnd(const Options& o) {
  const std::size_t n = o.quick ? 20'000 : 100'000;
  LocalServer s(o.dir + "/s1-server");
  auto a = s.device(o.dir + "/s1-a.db"), b = s.device(o.dir + "/s1-b.db");
  write(*a, n, 1);
  node::SyncReport push, pull;
  const double push_s = timeIt([&] { push = syncOnce(*a, o.dir + "/s1-a.db"); });
  const double pull_s = timeIt([&] { pull = syncOnce(*b, o.dir + "/s1-b.db"); });
  if (push.pushed != *a->ownSeq() || pull.pulled < push.pushed) die("S1: not every op went through");
  if (*a->exportJson() != *b->exportJson()) die("S1: the nodes did not converge");
  // Baseline: the same ops, encoded, through a plain TCP loopback echo-free copy is
  // not meaningful; the cost that matters is storage, so compare with raw SQLite
  // inserting the ops' bytes on both sides (server log + receiving node).
  auto ops = a->opsOf(a->nodeId(), 0, n + 10);
  if (!ops) die(ops.error().message);
  const std::string raw_path = o.dir + "/s1-raw.db";
  std::remove(raw_path.c_str());
  RawDb raw(raw_path);
  raw.exec("CREATE TABLE log(id INTEGER PRIMARY KEY, node INTEGER, seq INTEGER, hlc INTEGER)");
  raw.prepare("INSERT INTO log(node, seq, hlc) VALUES(?, ?, ?)");
  const double raw_s = timeIt([&] {
    for (int side = 0; side < 2; ++side) {
      raw.exec("BEGIN");
      for (const sync::Op& op : *ops)
        raw.run({side, static_cast<long long>(op.id.seq), static_cast<long long>(op.hlc)});
      raw.exec("COMMIT");
    }
  });
  const std::string w = "S1 end to end, node to server to node (" + std::to_string(n / 1000) + "k one-field writes)";
  const double per_op = static_cast<double>(push.bytes_out) / static_cast<double>(n);
  return {
      {w, "push to the server", static_cast<double>(n) / push_s, "ops/s", "", NAN},
      {w, "pull from the server", static_cast<double>(n) / pull_s, "ops/s", "", NAN},
      {w, "end to end", static_cast<double>(n) / (push_s + pull_s), "ops/s",
       "raw SQLite inserting the ops into two logs", static_cast<double>(n) / raw_s},
      {w, "bytes on the wire per op, push (framed, encrypted)", per_op, "B", "aim", 32},
      {w, "bytes on the wire per op, pull", static_cast<double>(pull.bytes_in) / static_cast<double>(n), "B", "aim", 32},
  };
}

std::vector<Row> serverIngest(const Options& o) {
  std::vector<Row> rows;
  const std::size_t total = o.quick ? 20'000 : 100'000;
  const std::string workload = "S2 server ingest, " + std::to_string(total / 1000) + "k ops";
  std::map<std::size_t, double> one_thread;  // by devices: the baseline for more threads
  for (std::size_t threads : {std::size_t{1}, std::size_t{2}})
    for (std::size_t devices : {std::size_t{1}, std::size_t{10}, std::size_t{100}}) {
      LocalServer s(o.dir + "/s2-server", true, threads);
      std::vector<std::unique_ptr<Node>> nodes;
      std::vector<std::string> paths;
      for (std::size_t i = 0; i < devices; ++i) {
        paths.push_back(o.dir + "/s2-" + std::to_string(i) + ".db");
        nodes.push_back(s.device(paths.back()));
        write(*nodes.back(), total / devices, i + 10);
      }
      std::barrier start(static_cast<std::ptrdiff_t>(devices + 1));
      std::vector<std::thread> pushers;
      for (std::size_t i = 0; i < devices; ++i)
        pushers.emplace_back([&, i] {
          auto session = node::SyncSession::connect(*nodes[i], paths[i], std::chrono::seconds(120));
          if (!session) die(session.error().message);
          start.arrive_and_wait();
          std::vector<sync::Op> mine = *nodes[i]->opsOf(nodes[i]->nodeId(), 0, total + 100);
          for (std::size_t at = 0; at < mine.size(); at += 4000)
            if (!(*session)->pushBatch(std::span(mine).subspan(at, std::min<std::size_t>(4000, mine.size() - at))))
              die("S2: a push failed");
          (*session)->close();
        });
      const auto begin = std::chrono::steady_clock::now();
      start.arrive_and_wait();
      for (auto& t : pushers) t.join();
      const double secs = seconds(std::chrono::steady_clock::now() - begin);
      std::int64_t made = 0, received = 0;
      for (auto& n : nodes) made += static_cast<std::int64_t>(*n->ownSeq());
      const auto held = s.server->devices();
      if (!held) die(held.error().message);
      for (const auto& d : *held) received += static_cast<std::int64_t>(d.ops_received);
      if (received != made) die("S2: ops missing on the server");
      const double rate = static_cast<double>((total / devices) * devices) / secs;
      const std::string metric = std::to_string(devices) + " concurrent devices, --threads " + std::to_string(threads);
      if (threads == 1) {
        one_thread[devices] = rate;
        rows.push_back({workload, metric, rate, "ops/s", "", NAN});
      } else {
        rows.push_back({workload, metric, rate, "ops/s", "--threads 1, same devices", one_thread[devices]});
      }
    }

  // A small device's sync (one new op: handshake, push, pull) while
  // another device pushes `total` ops, against the same on an idle server.
  LocalServer s(o.dir + "/s2-mixed");
  const std::string big_path = o.dir + "/s2-big.db", small_path = o.dir + "/s2-small.db";
  auto big = s.device(big_path);
  auto small = s.device(small_path);
  write(*big, total, 99);
  std::mt19937_64 rng(5);
  // The handshake and the push of one op, acknowledged: what waited for the
  // whole of another device's push before the merger thread. (Its pull
  // would bring it the big push's ops, which is other work.)
  auto smallSync = [&] {
    const std::vector<Node::Write> one{{sync::EntityType::item, sync::randomId(), {benchField(rng)}}};
    if (!small->writeRegisters(one)) die("S2: a write failed");
    const auto ops = small->opsOf(small->nodeId(), *small->ownSeq() - 1, 1);
    if (!ops || ops->size() != 1) die("S2: the small device's op is missing");
    return timeIt([&] {
             auto session = node::SyncSession::connect(*small, small_path, std::chrono::seconds(60));
             if (!session) die(session.error().message);
             if (auto acked = (*session)->pushBatch(*ops); !acked) die("S2: a small push failed: " + acked.error().message);
             (*session)->close();
           }) * 1000;
  };
  syncOnce(*small, small_path);  // what it held before
  std::vector<double> idle, busy;
  for (int i = 0; i < 30; ++i) idle.push_back(smallSync());
  std::atomic<bool> pushing{true};
  double push_s = 0;
  std::thread pusher([&] {
    push_s = timeIt([&] { syncOnce(*big, big_path); });
    pushing = false;
  });
  while (pushing) busy.push_back(smallSync());
  pusher.join();
  const std::string w = "S2 a small device's handshake and one-op push while another pushes " + std::to_string(total / 1000) + "k ops";
  rows.push_back({w, "p50 (" + std::to_string(busy.size()) + " syncs)", percentile(busy, 0.5), "ms", "the same, server idle",
                  percentile(idle, 0.5)});
  rows.push_back({w, "p99", percentile(busy, 0.99), "ms", "the same, server idle", percentile(idle, 0.99)});
  rows.push_back({w, "the big push itself, for scale", push_s * 1000, "ms", "", NAN});
  return rows;
}

// L1: from the start of a one-op push on one device to that op applied on
// a second, connected device: watching (a SyncLoop told by the server), and
// polling once a second as `sync --watch` did before live sync.
std::vector<Row> liveSync(const Options& o) {
  const int samples = o.quick ? 10 : 40;
  LocalServer s(o.dir + "/l1-server");
  const std::string path_b = o.dir + "/l1-b.db";
  auto a = s.device(o.dir + "/l1-a.db");
  auto b = s.device(path_b);
  auto loop_node = Node::open(path_b);  // the loop's own connection to the file, as the app keeps one
  if (!loop_node) die(loop_node.error().message);
  std::atomic<std::uint64_t> pulled{0};
  std::atomic<bool> stop{false};
  std::mt19937_64 rng(11);
  auto write1 = [&] {
    const std::vector<Node::Write> one{{sync::EntityType::item, sync::randomId(), {benchField(rng)}}};
    if (!a->writeRegisters(one)) die("L1: a write failed");
  };
  auto measure = [&](const std::function<void()>& follow) {
    pulled = 0;
    stop = false;
    write1();
    syncOnce(*a, o.dir + "/l1-a.db");
    std::thread follower(follow);
    while (pulled == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // connected and caught up
    std::vector<double> ms;
    for (int i = 0; i < samples; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 1000));  // out of step with the poll
      const std::uint64_t before = pulled;
      write1();
      const auto t0 = std::chrono::steady_clock::now();
      syncOnce(*a, o.dir + "/l1-a.db");
      while (pulled == before) std::this_thread::sleep_for(std::chrono::microseconds(200));
      ms.push_back(seconds(std::chrono::steady_clock::now() - t0) * 1000);
    }
    stop = true;
    follower.join();
    return ms;
  };
  node::SyncLoop::Events events;
  events.synced = [&](const node::SyncReport& r) { pulled += r.pulled; };
  const std::vector<double> watched = measure([&] {
    node::SyncLoop loop(**loop_node, path_b, events, std::chrono::hours(1));
    std::thread stopper([&] {
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      loop.stop();
    });
    (void)loop.run();
    stopper.join();
  });
  const std::vector<double> polled = measure([&] {
    auto session = node::SyncSession::connect(**loop_node, path_b, std::chrono::seconds(60));
    if (!session) die(session.error().message);
    while (!stop) {
      auto r = (*session)->round();
      if (!r) die(r.error().message);
      pulled += r->pulled;
      for (int i = 0; i < 100 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    (*session)->close();
  });
  const std::string w = "L1 live sync, a one-op push to applied on a connected device (" + std::to_string(samples) +
                        " pushes)";
  return {{w, "p50, watching", percentile(watched, 0.5), "ms", "polling every second (before live sync)",
           percentile(polled, 0.5)},
          {w, "p99, watching", percentile(watched, 0.99), "ms", "polling every second (before live sync)",
           percentile(polled, 0.99)}};
}

// What checking one movement costs on an (item, location) whose ledger has
// `history` rows (alternately in and out, never below zero), each checked
// as it arrived, as the server does: a back-dated receipt at the start, then
// a back-dated issue at the start that takes every later row below zero,
// then one movement at the end. Milliseconds each.
struct LedgerCosts {
  double receipt = 0, issue = 0, end = 0;
};
LedgerCosts ledgerCosts(const std::string& path, std::size_t history) {
  auto n = Node::init(path, "BENCH");
  if (!n) die(n.error().message);
  Node& node = **n;
  (void)node::Catalogue(node).addItem({"HOT", "", false, 0, 0});
  (void)node::Catalogue(node).addLocation({"DC", "", node::LocationKind::warehouse, "", false, {}});
  const std::int64_t day0 = *node::parseTime("2026-01-01", "t");
  const std::uint64_t first = *node.ownSeq();
  for (std::size_t i = 0; i < history; i += 2) {
    const std::int64_t at = day0 + static_cast<std::int64_t>(i) * 1000;
    (void)node::Stock(node).move({node::MoveKind::receipt, "HOT", "", "DC", 1000, {}, at, {}, false});
    (void)node::Stock(node).move({node::MoveKind::issue, "HOT", "DC", "", 1000, {}, at + 1000, {}, true});
  }
  auto check = [&](std::uint64_t after) {
    auto ops = node.opsOf(node.nodeId(), after, 1'000'000);
    if (!ops) die(ops.error().message);
    return timeIt([&] {
             if (!node::Reconciler(node).reconcile(*ops)) die("R1: reconcile failed");
           }) * 1000;
  };
  (void)check(first);  // the history, as it arrived
  auto timeOne = [&](node::MoveKind kind, std::int64_t qty, std::int64_t at) {
    const std::uint64_t before = *node.ownSeq();
    const bool in = kind == node::MoveKind::receipt;
    if (!node::Stock(node).move({kind, "HOT", in ? "" : "DC", in ? "DC" : "", qty, {}, at, {}, true}))
      die("R1: a back-dated movement failed");
    return check(before);
  };
  LedgerCosts c;
  c.receipt = timeOne(node::MoveKind::receipt, 1000, day0 - 2000);
  c.issue = timeOne(node::MoveKind::issue, 2000, day0 - 1000);
  c.end = timeOne(node::MoveKind::issue, 1000, day0 + static_cast<std::int64_t>(history) * 1000 + 1000);
  return c;
}

// R1: what reconciliation costs. A day of domain work from 20 devices
// (stock moves with some forced shortfalls, cases with transitions), pushed
// to a server with checks on and off; and one back-dated movement at the
// start of an (item, location) with a long ledger.
std::vector<Row> reconciliation(const Options& o) {
  std::vector<Row> rows;
  const std::size_t devices = 20, per_device = o.quick ? 100 : 600;
  double rate[2] = {0, 0};
  for (int checks = 0; checks < 2; ++checks) {
    LocalServer s(o.dir + "/r1-server");
    s.server->setChecks(checks == 1);
    std::vector<std::unique_ptr<Node>> nodes;
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < devices; ++i) {
      paths.push_back(o.dir + "/r1-" + std::to_string(i) + ".db");
      nodes.push_back(s.device(paths.back()));
    }
    Node& office = *nodes[0];
    for (const char* code : {"WH1", "WH2", "WH3"})
      (void)node::Catalogue(office).addLocation({code, "", node::LocationKind::warehouse, "", false, {}});
    for (int i = 0; i < 50; ++i) (void)node::Catalogue(office).addItem({"PART-" + std::to_string(i), "", false, 0, 0});
    addCustomers(office, 0, 0);
    syncOnce(office, paths[0]);
    for (std::size_t i = 1; i < devices; ++i) syncOnce(*nodes[i], paths[i]);
    std::mt19937_64 rng(42);
    for (std::size_t i = 0; i < devices; ++i) {
      Node& n = *nodes[i];
      std::string last_case;
      for (std::size_t k = 0; k < per_device; ++k) {
        const std::string item = "PART-" + std::to_string(rng() % 50);
        const char* wh[] = {"WH1", "WH2", "WH3"};
        switch (rng() % 5) {
          case 0: (void)node::Stock(n).move({node::MoveKind::receipt, item, "", wh[rng() % 3], 5000, {}, {}, {}, false}); break;
          case 1: (void)node::Stock(n).move({node::MoveKind::transfer, item, wh[rng() % 3], wh[rng() % 3], 1000, {}, {}, {}, true}); break;
          case 2: (void)node::Stock(n).move({node::MoveKind::issue, item, wh[rng() % 3], "", 2000, {}, {}, {}, true}); break;
          case 3: {
            auto c = node::Cases(n).open({"Customer", "", "", "", "noise", node::Priority::normal, {}});
            if (c) last_case = c->number;
            break;
          }
          default:
            if (!last_case.empty()) (void)node::Cases(n).setStatus(last_case, static_cast<node::CaseStatus>(1 + rng() % 8), {});
        }
      }
    }
    std::uint64_t ops = 0;
    std::vector<std::unique_ptr<node::SyncSession>> sessions;
    std::vector<std::vector<sync::Op>> pending;
    for (std::size_t i = 0; i < devices; ++i) {
      auto session = node::SyncSession::connect(*nodes[i], paths[i], std::chrono::seconds(60));
      if (!session) die(session.error().message);
      sessions.push_back(std::move(session).value());
      pending.push_back(*nodes[i]->opsOf(nodes[i]->nodeId(), *nodes[i]->settingNumber("sync.acked"), 1'000'000));
      ops += pending.back().size();
    }
    const double secs = timeIt([&] {  // ingest only: pushes over open sessions
      for (std::size_t i = 0; i < devices; ++i)
        if (!sessions[i]->pushBatch(pending[i])) die("R1: a push failed");
    });
    for (auto& session : sessions) session->close();
    rate[checks] = static_cast<double>(ops) / secs;
  }
  rows.push_back({"R1 reconciliation (20 devices, a day of stock and case work)", "server ingest with checks",
                  rate[1], "ops/s", "the same ingest with checks off", rate[0]});

  // Back-dated movements at the start of a long (item, location) ledger,
  // against the same on a 100-row ledger.
  const std::size_t history = o.quick ? 10'000 : 100'000;
  const LedgerCosts big = ledgerCosts(o.dir + "/r1-ledger.db", history), small = ledgerCosts(o.dir + "/r1-small.db", 100);
  const std::string w = "R1 reconciliation, one (item, location) with " + std::to_string(history / 1000) + "k ledger rows";
  rows.push_back({w, "check after a back-dated receipt at the start (breaks nothing)", big.receipt, "ms",
                  "the same on a 100-row ledger", small.receipt});
  rows.push_back({w, "check after a back-dated issue at the start (every later row below zero)", big.issue, "ms",
                  "the same on a 100-row ledger", small.issue});
  rows.push_back({w, "check after one fact at the end", big.end, "ms", "the same on a 100-row ledger", small.end});
  return rows;
}

std::vector<Row> crypto(const Options& o) {
  if (sodium_init() < 0) die("sodium_init");
  const int handshakes = o.quick ? 200 : 2000;
  const sync::SigningKey server = sync::SigningKey::generate(), device = sync::SigningKey::generate();
  const double hs_s = timeIt([&] {
    for (int i = 0; i < handshakes; ++i) {
      sync::ClientHandshake c(server.publicKey(), false);
      sync::ServerHandshake sv(server);
      auto hello = sv.onClientHello(c.hello(), 1);
      auto keys = c.onServerHello(*hello);
      const sync::Id node = sync::randomId();
      if (!keys || !sv.verifyClient(device.publicKey(), node, c.clientSignature(device, node))) die("handshake failed");
    }
  });
  // Sealing 1 MiB messages: secretstream against the raw AEAD it is built on.
  const std::size_t mib = 1u << 20, rounds = o.quick ? 50 : 400;
  std::string message(mib, 'x');
  sync::SecretKey key;
  randombytes_buf(key.data(), 32);
  sync::StreamSender tx(key);
  const double stream_s = timeIt([&] {
    for (std::size_t i = 0; i < rounds; ++i) (void)tx.seal(message);
  });
  std::vector<unsigned char> out(mib + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {};
  const double raw_s = timeIt([&] {
    for (std::size_t i = 0; i < rounds; ++i) {
      unsigned long long len = 0;
      crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &len, reinterpret_cast<const unsigned char*>(message.data()),
                                                 mib, nullptr, 0, nullptr, nonce, key.data());
      sodium_increment(nonce, sizeof nonce);
    }
  });
  return {
      {"C1 crypto", "handshakes (both sides, with signatures)", handshakes / hs_s, "1/s", "", NAN},
      {"C1 crypto", "secretstream sealing 1 MiB messages", static_cast<double>(rounds) / stream_s, "MiB/s",
       "raw XChaCha20-Poly1305 AEAD", static_cast<double>(rounds) / raw_s},
  };
}

}  // namespace fieldsync::bench
