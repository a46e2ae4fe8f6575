// An in-process fieldsync server on 127.0.0.1 (a free port), serving on its
// own thread until destroyed; and enrolled devices for it.
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "bench/bench.h"
#include "node/model.h"
#include "node/sync_client.h"
#include "server/server.h"

namespace fieldsync::bench {

// One random one-field item write that a server accepts (it checks pushed
// ops against the field table, docs/op-encoding.md): warranty days or low stock.
inline sync::Field benchField(std::mt19937_64& rng) {
  const bool warranty = rng() % 2;
  return {warranty ? node::item_f::warranty_days : node::item_f::low_stock,
          static_cast<std::int64_t>(rng() % (warranty ? 36'500 : 1'000'000))};
}

struct LocalServer {
  std::unique_ptr<server::Server> server;
  std::uint16_t port = 0;
  std::thread thread;

  // A new server in `dir` (removed first), or, with fresh = false, the one
  // already there; serving on `threads` threads (0: one per core).
  explicit LocalServer(const std::string& dir, bool fresh = true, std::size_t threads = 0) {
    if (fresh) std::filesystem::remove_all(dir);
    auto s = server::Server::open(dir, fresh ? "BENCH" : "");
    if (!s) die(s.error().message);
    server = std::move(s).value();
    server->setLog([](const std::string&) {});
    server::Server::Limits limits;  // every simulated device comes from 127.0.0.1
    limits.handshakes = limits.per_address = 100'000;
    limits.per_address_rate = 1e9;
    server->setLimits(limits);
    server->setThreads(threads);
    auto p = server->listen("127.0.0.1", 0);
    if (!p) die(p.error().message);
    port = *p;
    thread = std::thread([this] { (void)server->serve(); });
  }
  ~LocalServer() {
    server->stop();
    thread.join();
  }
  std::unique_ptr<node::Node> device(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm", ".key"}) std::filesystem::remove(path + suffix);
    auto ticket = server->enrollToken("bench", "admin", "", 3'600'000, "127.0.0.1", port);
    if (!ticket) die(ticket.error().message);
    if (auto ok = node::enroll(path, *ticket); !ok) die(ok.error().message);
    auto n = node::Node::open(path);
    if (!n) die(n.error().message);
    return std::move(n).value();
  }
};

}  // namespace fieldsync::bench
