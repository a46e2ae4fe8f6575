// A server on 127.0.0.1:0 in a thread of its own, and enrolled devices,
// for end-to-end tests that read like their story.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "node/node_fixture.h"
#include "node/sync_client.h"
#include "server/server.h"

namespace fieldsync::test {

using fieldsync::server::Server;
using fieldsync::sync::Errc;

// A server serving on 127.0.0.1:0 in a thread of its own.
struct TestServer {
  TempDir dir;
  std::string data;  // the data directory: in `dir` unless given
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  std::thread thread;
  std::vector<std::string> log;
  std::mutex log_mutex;
  std::atomic<std::int64_t> clock_ahead_ms{0};  // the server's clock runs this far ahead of the system's

  explicit TestServer(std::string data_dir = {}) : data(data_dir.empty() ? dir.file("data") : data_dir) { start(); }
  ~TestServer() { stop(); }

  void start() {
    auto s = Server::open(data, "ACME Service", [this] {
      return fieldsync::sync::Hlc::systemClock()() + static_cast<std::uint64_t>(clock_ahead_ms.load());
    });
    REQUIRE(s);
    server = std::move(s).value();
    Server::Limits limits;
    limits.per_address_rate = 1e9;  // tests sync many devices from 127.0.0.1 at once; hostile_test sets its own
    server->setLimits(limits);
    server->setLog([this](const std::string& line) {
      std::lock_guard lock(log_mutex);
      log.push_back(line);
    });
    auto p = server->listen("127.0.0.1", port);  // the same port again after a restart
    REQUIRE(p);
    port = *p;
    thread = std::thread([this] { (void)server->serve(); });
  }
  void stop() {
    if (!server) return;
    server->stop();
    thread.join();
    server.reset();
  }
  bool logged(const std::string& text) {
    std::lock_guard lock(log_mutex);
    return std::any_of(log.begin(), log.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
  }
  std::uint64_t ops() { return *server->opCount(); }
  // A technician's device is alice's, a driver's dan's, unless `person` says otherwise.
  std::string ticket(const std::string& role, std::int64_t valid_ms = 3'600'000, std::string person = {},
                     const std::string& branch = "north") {
    if (person.empty() && role == "technician") person = "alice";
    if (person.empty() && role == "driver") person = "dan";
    auto t = server->enrollToken(branch, role, person, valid_ms, "127.0.0.1", port);
    REQUIRE(t);
    return *t;
  }
};

struct Device {
  std::string path;
  std::unique_ptr<Node> node;
  Device(TestServer& s, const TempDir& dir, const std::string& name, const std::string& role,
         const std::string& person = {}, const std::string& branch = "north")
      : path(dir.file(name)) {
    auto enrolled = fieldsync::node::enroll(path, s.ticket(role, 3'600'000, person, branch));
    INFO((enrolled ? "" : enrolled.error().message));
    REQUIRE(enrolled);
    auto n = Node::open(path);
    REQUIRE(n);
    node = std::move(n).value();
  }
  // `timeout`: for each reply (sanitizer builds run some syncs ten times slower).
  fieldsync::sync::Result<fieldsync::node::SyncReport> sync(std::chrono::seconds timeout = std::chrono::seconds(5)) {
    auto session = fieldsync::node::SyncSession::connect(*node, path, timeout);
    if (!session) return session.error();
    auto report = (*session)->round();
    (*session)->close();
    return report;
  }
  void pointAt(std::uint16_t port) { REQUIRE(node->setSetting("sync.server", "127.0.0.1:" + std::to_string(port))); }
};

inline std::string exportOf(Node& n) { return *n.exportJson(); }
// What the server says the device should hold: its scope of the merged state.
inline std::string scopeOf(TestServer& s, Device& d) {
  auto e = s.server->scopeExport(d.node->nodeId().hex());
  INFO((e ? "" : e.error().message));
  REQUIRE(e);
  return *e;
}

// Every op the device made is in the server's log exactly once: received
// (counted as stored) equals the watermark equals the device's own seq.
inline void checkHeldOnce(TestServer& s, Device& d) {
  auto devices = s.server->devices();
  REQUIRE(devices);
  const std::uint64_t own = *d.node->ownSeq();
  for (const auto& device : *devices)
    if (device.node == d.node->nodeId()) {
      CHECK(device.ops_received == own);
      CHECK(device.watermark == own);
      return;
    }
  FAIL("the device is not enrolled");
}

// Nothing lost, nothing twice: the server holds every op of both devices
// once, and both agree with it.
inline void checkConverged(TestServer& s, Device& a, Device& b) {
  checkHeldOnce(s, a);
  checkHeldOnce(s, b);
  CHECK(exportOf(*a.node) == exportOf(*b.node));
  CHECK(*s.server->exportJson() == exportOf(*a.node));
}


}  // namespace fieldsync::test
