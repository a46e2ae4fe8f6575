// Server::Impl: the server's state, shared by server.cpp (opening, the
// network, the Hub its sessions call) and admin.cpp. Internal to
// fieldsync::server.
//
// Threads (server.h states the contract): the io_context runs on the
// threads of serve(); each session on a strand of its own, so their
// handshakes, decryption, decoding and encoding run side by side; the
// accept loop, the timers, the limits and `live` on the `control` strand.
// The admin calls may come from any other thread, the merger runs on its
// own. All of them touch `store` and `merged` only while holding `mutex`,
// never across a co_await; pushes are written by group commit (commit()).
// `log_sink` has a mutex of its own, since log lines are written with and
// without `mutex` held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <thread>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "node/node.h"
#include "server/internal/hub.h"
#include "server/internal/metrics.h"
#include "server/internal/pipeline.h"
#include "server/internal/session.h"
#include "server/internal/store.h"
#include "storage/sqlite.h"
#include "sync/net.h"

namespace fieldsync::server {

struct Server::Impl final : Hub {
  std::string dir;
  int serve_lock = -1;  // DATA/serve.lock, held by the serving process
  sync::SigningKey signing_key;
  sync::Hlc::WallClock clock;
  Checks checks;

  std::mutex mutex;  // guards store, merged and pipeline
  std::unique_ptr<ServerStore> store;
  std::unique_ptr<node::Node> merged;
  std::unique_ptr<MergePipeline> pipeline;
  std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex); }
  std::map<sync::Id, std::uint64_t> announced;  // ClientAuth.own_seq by device, since this process started; under `mutex`
  Metrics metrics;

  // Group commit: a push's new ops, waiting for the next store transaction.
  // Whoever finds no commit running writes every push waiting then, in one
  // transaction, in the order they came; the others wait for it.
  struct PendingCommit {
    sync::Id node;
    const std::vector<sync::Op>* ops = nullptr;
    const std::vector<std::string>* outside = nullptr;
    const pb::Push* push = nullptr;
    std::vector<node::ScopeKey> created;
    std::int64_t at = 0;
    std::uint64_t watermark = 0;  // the device's, once committed
    bool done = false;
    std::optional<storage::StoreError> failed;
  };
  std::mutex commit_mutex;  // guards the three below
  std::condition_variable commit_cv;
  std::vector<PendingCommit*> commit_queue;
  bool committing = false;
  void commit(PendingCommit& mine);  // throws SessionError when the store failed

  // The merger thread (serve() runs it): catches the replica up with the
  // log in steps of kInlineMerge ops, each under `mutex`, when a push left
  // more than that to merge.
  static constexpr std::size_t kInlineMerge = 5000;
  std::mutex merge_mutex;  // guards the two flags
  std::condition_variable merge_cv;
  bool merge_wanted = false, merge_stop = false;
  void wantMerge();
  void mergeLoop();

  std::size_t threads = 0;  // serve()'s threads (0: one per core)

  std::mutex log_mutex;  // guards log_sink
  std::function<void(LogLevel, const std::string&)> log_sink;

  // Serving-thread state. Declared last: destroyed first, with every
  // pending session, while the members above are still alive.
  net::asio::io_context io;
  // What only one thread may touch at a time: the accept loop, the timers,
  // the limits and `live` (the sessions run on strands of their own).
  net::asio::strand<net::asio::io_context::executor_type> control{net::asio::make_strand(io)};
  std::optional<net::tcp::acceptor> acceptor;
  std::optional<net::asio::signal_set> signals;
  std::optional<net::asio::steady_timer> sweep_timer, revocation_timer, shutdown_timer;
  bool stopped = false;  // stop() has run
  std::uint64_t sessions = 0;
  std::map<std::uint64_t, std::weak_ptr<Session>> live;  // by number, oldest first; for stop() and the limits
  Server::Limits limits;
  struct Bucket {  // handshakes an address may still start now (a token bucket)
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Bucket> buckets;
  // Why a new connection must be refused now (empty: it may come in).
  std::string overLimit(const std::string& address);
  // Ends the admitted sessions of `node`, oldest first, until `keep` remain.
  void endSessionsOf(const sync::Id& node, std::size_t keep, const std::string& why);

  Impl(sync::SigningKey k, sync::Hlc::WallClock c) : signing_key(std::move(k)), clock(std::move(c)) {}

  // Hub, for sessions (server.cpp).
  const sync::SigningKey& key() const override { return signing_key; }
  std::int64_t now() override { return static_cast<std::int64_t>(clock()); }
  void log(const std::string& line, LogLevel level = LogLevel::info) override;
  Device admit(const pb::Envelope& first, const sync::ServerHandshake& hs, const std::string& who) override;
  std::uint64_t head() override;
  std::string logId() override;
  pb::Envelope push(Device& device, const pb::Push& push, ScopeState& scope) override;
  pb::Envelope pull(const Device& device, const pb::Pull& pull, ScopeState& scope) override;
  std::optional<pb::Envelope> scopeChanges(const Device& device, const pb::Pull& pull, ScopeState& scope,
                                           std::uint64_t head, std::size_t max_bytes);
  pb::Envelope recover(const Device& device, const pb::Recover& recover) override;
  pb::Envelope attachmentPut(const Device& device, const pb::AttachmentPut& put) override;
  pb::Envelope attachmentGet(const Device& device, const pb::AttachmentGet& get, ScopeState& scope) override;
  pb::Envelope devices(const Device& device) override;
  bool news(const Device& device, WatchState& watch) override;
  void sessionClosed() override { --metrics.sessions_open; }
  void admitted(const sync::Id& node) override;
  void noticed() override { ++metrics.notices; }
  // Tells every watching session that the log grew (serving thread): after
  // each push at once, and within a second of anything else that writes
  // it (the pipeline's sweep, an admin command here or in another process).
  void notifyWatchers();
  std::atomic<std::uint64_t> notified_head{0};  // the log's head at the last notice
  bool leading = false;  // this process ran the checks at the last look (notifyIfGrew); under `mutex`
  bool refreshScope(const Device& device, ScopeState& scope);
  std::uint64_t mergedAt();  // the log's server sequence merged.db has merged up to; under `mutex`
  // Where this server last listened (enroll-token's default): each process's own on a shared store.
  std::string addressKey() const { return store->shared() ? "address " + merged->nodeId().hex() : "address"; }

  Device stillAdmitted(const Device& device);  // as stored now; under the mutex; throws SessionError
  net::asio::awaitable<void> acceptLoop();
  // Runs `work` now and every `period` until stop() cancels `timer` (or, unless
  // `while_stopping`, until stop() has run).
  net::asio::awaitable<void> every(net::asio::steady_timer& timer, std::chrono::milliseconds period,
                                   std::function<void()> work, bool while_stopping = false);
  void sweepTransit();
  void endRevokedSessions();  // revoked by an admin command of another process
  void notifyIfGrew();         // the log grew since the last notice: notifyWatchers()

  // Runs store work, turning a StoreError into a Result error.
  template <class F>
  auto guarded(F body) -> decltype(body()) {
    try {
      return body();
    } catch (const storage::StoreError& e) {
      return e.error();
    }
  }
};

}  // namespace fieldsync::server
