// The central server: opening the data directory, the network, and the Hub
// that sessions call (server_impl.h). The admin calls are in admin.cpp.
#include "server/server.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>

#include "node/attachments.h"
#include "node/field_table.h"
#include "node/key_file.h"
#include "node/rights.h"
#include "server/internal/server_impl.h"
#include "sync/codec.h"
#include "sync/ticket.h"

namespace fieldsync::server {

using namespace fieldsync::net;
using asio::awaitable;
using asio::use_awaitable;
using sync::Errc;
using sync::Id;
using sync::Op;

namespace {
constexpr std::size_t kMaxBatchBytes = 1u << 20;
constexpr std::size_t kBatchOps = 40'000;  // a batch's ops at most; halved until it fits its bytes
constexpr std::size_t kSnapshotOps = 20'000;  // histories of entities entering a scope: about this many ops a reply
constexpr std::size_t kJudgedAtOnce = 2'000;  // pushed ops judged under one hold of the mutex

// The first `n` of `ops` as one batch of at most `max_bytes`, halving `n`
// until it fits (one op always goes: no op is larger than a batch).
std::string fitted(std::span<const Op> ops, std::size_t max_bytes, std::size_t& n) {
  for (;;) {
    std::string batch = sync::encodeBatch(ops.subspan(0, n));
    if (batch.size() <= max_bytes || n <= 1) return batch;
    n /= 2;
  }
}

Server::Limits resolved(Server::Limits limits) {
  if (limits.connections == 0) {  // below the open-file limit: the stores, the log and accept need some
    rlimit files{};
    const std::size_t open_files = ::getrlimit(RLIMIT_NOFILE, &files) == 0 ? files.rlim_cur : 1024;
    limits.connections = open_files > 64 ? open_files - 32 : open_files / 2;
  }
  limits.per_device = std::max<std::size_t>(limits.per_device, 1);
  return limits;
}

// Store work inside a session: a StoreError ends the session with an error
// the device's retry policy understands (busy: unavailable, retry).
template <class F>
auto sessionWork(F body) -> decltype(body()) {
  try {
    return body();
  } catch (const storage::StoreError& e) {
    throw SessionError{e.error().code, e.error().message};
  }
}
}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
  if (impl_ && impl_->serve_lock >= 0) ::close(impl_->serve_lock);
}

namespace {
// DATA/store names a shared store (docs/server.md, "Several servers"): a
// data directory keeps the store it first served, so the admin commands
// find it without --store. Returns where the store is, and whether the
// data directory has yet to remember it (once opened).
Result<std::pair<std::string, bool>> storeOf(const std::string& data_dir, std::string_view given) {
  const std::string file = data_dir + "/store";
  std::string kept;
  if (std::FILE* f = std::fopen(file.c_str(), "r")) {
    char line[4096];
    if (std::fgets(line, sizeof line, f)) kept = line;
    std::fclose(f);
    while (!kept.empty() && (kept.back() == '\n' || kept.back() == '\r')) kept.pop_back();
  }
  std::error_code ec;
  const bool has_sqlite = std::filesystem::exists(data_dir + "/server.db", ec);
  if (given.empty()) return std::pair(kept.empty() ? data_dir + "/server.db" : kept, false);
  if (!ServerStore::isPostgres(given))
    return sync::fail(Errc::invalid_input,  // not repeated: it may hold a password
                      "--store: not a postgresql:// or postgres:// URI (without --store: DIR/server.db)");
  if (kept == given) return std::pair(kept, false);
  if (!kept.empty() || has_sqlite)
    return sync::fail(Errc::refused, "--store: " + data_dir + " serves " +
                                         (kept.empty() ? std::string("its own server.db") : "another store") +
                                         "; a data directory keeps the store it started with (edit " + file +
                                         " if only the URI changed)");
  return std::pair(std::string(given), true);
}

Status rememberStore(const std::string& data_dir, const std::string& uri) {
  const std::string file = data_dir + "/store";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);  // it may hold a password
  const std::string text = uri + "\n";
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) || ::close(fd) != 0)
    return sync::fail(Errc::internal, "--data: cannot write " + file);
  return {};
}

// What a store shared by several processes must agree on: one server key
// and one company (docs/server.md, "Several servers"). Without `merged` it
// only checks; with it, it records.
Status claim(ServerStore& store, const std::string& key_hex, std::string_view company, const node::Node* merged,
             const std::string& merged_path) {
  if (const auto k = store.meta("server_key"); !k) {
    if (merged) store.setMeta("server_key", key_hex);
  } else if (*k != key_hex) {
    return sync::fail(Errc::refused, "--store: this store belongs to the server with key " + k->substr(0, 16) +
                                         "..., not to this data directory's (" + key_hex.substr(0, 16) +
                                         "...); copy server.key from that server's data directory first");
  }
  if (const auto c = store.meta("company"); !c) {
    if (merged && !company.empty()) store.setMeta("company", std::string(company));
  } else if (!company.empty() && *c != company) {
    return sync::fail(Errc::refused, "--company: this store belongs to " + *c);
  }
  // The replicas that have written to the log, for the administrator (their ops' node ids).
  if (merged && store.shared() && !store.meta("replica " + merged->nodeId().hex()))
    store.setMeta("replica " + merged->nodeId().hex(), merged_path);
  return {};
}
}  // namespace

Result<std::unique_ptr<Server>> Server::open(const std::string& data_dir, std::string_view company,
                                             sync::Hlc::WallClock clock, bool create, std::string_view store_at) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(data_dir + "/server.key", ec))
    return sync::fail(Errc::invalid_input, "--data: " + data_dir +
                                               " holds no fieldsync server (no server.key); start the server there "
                                               "first, with --company");
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return sync::fail(Errc::invalid_input, "--data: cannot create " + data_dir + ": " + ec.message());
  if (create)  // only its owner may enter, like the key in it (an existing directory is tightened too)
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all, ec);
  auto where = storeOf(data_dir, store_at);
  if (!where) return where.error();
  std::unique_ptr<ServerStore> store;
  std::string normalised = company.empty() ? std::string() : sync::normaliseSerial(company);
  std::optional<std::string> store_key;
  try {
    store = ServerStore::open(where->first);
    store_key = store->meta("server_key");
    if (normalised.empty()) normalised = store->meta("company").value_or("");
  } catch (const storage::StoreError& e) {
    return e.error();
  }
  const std::string key_path = data_dir + "/server.key", merged_path = data_dir + "/merged.db";
  const bool fresh = !std::filesystem::exists(key_path, ec);
  if (ec) return sync::fail(Errc::invalid_input, "--data: cannot reach " + key_path + ": " + ec.message());
  if (fresh) {
    if (store_key)
      return sync::fail(Errc::refused, "--data: " + data_dir + " holds no server.key and the store is a server's "
                                       "already: copy server.key from one of its data directories into it first");
    if (normalised.empty()) return sync::fail(Errc::invalid_input, "--company: a new server needs the company name");
    if (auto ok = node::writeKeyFile(key_path, sync::SigningKey::generate(), false); !ok) return ok.error();
  }
  auto key = node::readKeyFile(key_path);
  if (!key) return key.error();
  auto impl = std::make_unique<Impl>(std::move(key).value(), clock);
  impl->dir = data_dir;
  impl->limits = resolved({});
  impl->log_sink = [](LogLevel, const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  impl->store = std::move(store);
  const std::string key_hex = sync::toHex(impl->signing_key.publicKey());
  try {
    if (auto ok = claim(*impl->store, key_hex, normalised, nullptr, merged_path); !ok) return ok.error();
  } catch (const storage::StoreError& e) {
    return e.error();
  }
  const bool have_replica = std::filesystem::exists(merged_path, ec);
  if (!have_replica && normalised.empty())  // a key copied into a directory whose store no server has started
    return sync::fail(Errc::invalid_input, "--company: a new server needs the company name");
  auto merged = have_replica ? node::Node::open(merged_path, {clock}) : node::Node::init(merged_path, normalised, {clock});
  if (!merged) return merged.error();
  impl->merged = std::move(merged).value();
  if (!normalised.empty() && normalised != impl->merged->company())
    return sync::fail(Errc::refused, "--company: this server belongs to " + std::string(impl->merged->company()));
  try {
    if (auto ok = claim(*impl->store, key_hex, impl->merged->company(), impl->merged.get(), merged_path); !ok)
      return ok.error();
    // The log's identity (Welcome.log_id), made anew by a restore.
    if (!impl->store->meta("log_id")) impl->store->setMeta("log_id", sync::randomId().hex());
  } catch (const storage::StoreError& e) {
    return e.error();
  }
  impl->pipeline = std::make_unique<MergePipeline>(*impl->store, *impl->merged, impl->checks);
  if (auto ok = impl->pipeline->catchUp(); !ok) return ok.error();
  if (where->second)
    if (auto ok = rememberStore(data_dir, where->first); !ok) return ok.error();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::string Server::publicKeyHex() const { return sync::toHex(impl_->signing_key.publicKey()); }

void Server::setLog(std::function<void(LogLevel, const std::string&)> log) {
  std::lock_guard held(impl_->log_mutex);
  impl_->log_sink = std::move(log);
}

void Server::setLog(std::function<void(const std::string&)> log) {
  setLog([log = std::move(log)](LogLevel, const std::string& line) { log(line); });
}

void Server::setMaxTransit(std::int64_t ms) { impl_->checks.max_transit_ms = ms; }
void Server::setMaxClockSkew(std::int64_t ms) { impl_->checks.max_clock_skew_ms = ms; }
void Server::setChecks(bool on) { impl_->checks.on = on; }


void Server::setThreads(std::size_t n) { impl_->threads = n; }

void Server::setLimits(Limits limits) {
  asio::post(impl_->control, [impl = impl_.get(), limits = resolved(limits)] { impl->limits = limits; });
}

Result<std::uint16_t> Server::listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return sync::fail(Errc::invalid_input, "--listen: '" + host + "' is not an IP address");
  // One serving process per data directory (the admin commands may run
  // beside it): the lock goes with the process, however it ends.
  if (impl_->serve_lock < 0) {
    const std::string lock_path = impl_->dir + "/serve.lock";
    impl_->serve_lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (impl_->serve_lock < 0 || ::flock(impl_->serve_lock, LOCK_EX | LOCK_NB) != 0)
      return sync::fail(Errc::refused, "--data: another fieldsync-server is serving " + impl_->dir);
  }
  {  // two serving processes with one replica's node id would mint the same op ids
    auto held = impl_->lock();
    auto mine = impl_->guarded([&]() -> Result<bool> { return impl_->store->claimReplica(impl_->merged->nodeId()); });
    if (!mine) return mine.error();
    if (!*mine)
      return sync::fail(Errc::refused, "--data: " + impl_->dir + "/merged.db is a copy of a replica that another "
                                       "server of this store serves: remove it (it is rebuilt from the log)");
  }
  tcp::acceptor acceptor(impl_->io);
  if ((ec = net::listenOn(acceptor, {address, port})))
    return sync::fail(Errc::unavailable, "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  const std::uint16_t bound = acceptor.local_endpoint().port();
  impl_->acceptor.emplace(std::move(acceptor));
  auto held = impl_->lock();
  auto saved = impl_->guarded([&]() -> Status {
    impl_->store->setMeta(impl_->addressKey(), sync::Address{host, bound}.text());
    return {};
  });
  if (!saved) return saved.error();
  return bound;
}

Status Server::serve(bool stop_on_signals) {
  if (!impl_->acceptor) return sync::fail(Errc::internal, "serve() before listen()");
  if (stop_on_signals) {
    impl_->signals.emplace(impl_->io, SIGINT, SIGTERM);
    impl_->signals->async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      impl_->log("stopping on signal " + std::to_string(sig));
      stop();
    });
  }
  asio::co_spawn(impl_->control, impl_->acceptLoop(), [this](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      impl_->log(std::string("accept loop ended: ") + ex.what(), LogLevel::error);
    }
  });
  // Goods can become overdue in transit with no new fact: sweep now and then.
  impl_->sweep_timer.emplace(impl_->control);
  asio::co_spawn(impl_->control, impl_->every(*impl_->sweep_timer, std::chrono::minutes(10), [this] { impl_->sweepTransit(); }),
                 [this](std::exception_ptr e) {
                   if (e) impl_->log("the transit sweep stopped", LogLevel::error);
                 });
  impl_->revocation_timer.emplace(impl_->control);
  asio::co_spawn(impl_->control,
                 impl_->every(*impl_->revocation_timer, std::chrono::seconds(1), [this] {
                   impl_->endRevokedSessions();
                   impl_->notifyIfGrew();
                 }),
                 [this](std::exception_ptr e) {
                   if (e) impl_->log("the revocation watch stopped", LogLevel::error);
                 });
  {  // another server process on the store grew the log (SQLite: the timer above sees admin commands)
    auto held = impl_->lock();
    impl_->store->onLogGrew([impl = impl_.get()] { asio::post(impl->control, [impl] { impl->notifyIfGrew(); }); });
  }
  const std::size_t n = impl_->threads ? impl_->threads : std::max(1u, std::thread::hardware_concurrency());
  impl_->merge_stop = false;
  std::thread merger([this] { impl_->mergeLoop(); });
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < n; ++i) pool.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (std::thread& t : pool) t.join();
  {
    std::lock_guard held(impl_->merge_mutex);
    impl_->merge_stop = true;
  }
  impl_->merge_cv.notify_one();
  merger.join();
  auto held = impl_->lock();
  impl_->store->onLogGrew(nullptr);
  return {};
}

// Ends every session and stops accepting; serve() returns once all of
// them have closed, or 5 seconds after stop() whatever still runs.
void Server::stop() {
  asio::post(impl_->control, [impl = impl_.get()] {
    impl->stopped = true;
    boost::system::error_code ignored;
    if (impl->acceptor) impl->acceptor->close(ignored);
    if (impl->signals) impl->signals->cancel(ignored);
    if (impl->sweep_timer) impl->sweep_timer->cancel();
    if (impl->revocation_timer) impl->revocation_timer->cancel();
    for (auto& [number, session] : impl->live)
      if (auto s = session.lock()) s->stop();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    impl->shutdown_timer.emplace(impl->control);
    asio::co_spawn(impl->control, impl->every(*impl->shutdown_timer, std::chrono::milliseconds(20), [impl, give_up] {
      std::erase_if(impl->live, [](const auto& entry) { return entry.second.expired(); });
      if (impl->live.empty() || std::chrono::steady_clock::now() > give_up) impl->io.stop();
    }, true), asio::detached);
  });
}

void Server::Impl::log(const std::string& line, LogLevel level) {
  std::lock_guard held(log_mutex);
  log_sink(level, line);
}

std::string Server::Impl::overLimit(const std::string& address) {
  std::erase_if(live, [](const auto& entry) { return entry.second.expired(); });
  std::size_t handshakes = 0, from_address = 0;
  for (const auto& [number, weak] : live)
    if (auto s = weak.lock(); s && !s->admitted()) {
      ++handshakes;
      if (s->address() == address) ++from_address;
    }
  if (live.size() >= limits.connections) return std::to_string(live.size()) + " connections are open";
  if (handshakes >= limits.handshakes) return std::to_string(handshakes) + " handshakes are in flight";
  if (from_address >= limits.per_address) return std::to_string(from_address) + " handshakes are in flight from " + address;
  // Each address earns per_address_rate handshakes a second, up to twice that saved.
  const auto now = std::chrono::steady_clock::now();
  const double burst = 2 * limits.per_address_rate;
  if (buckets.size() > 4096)  // forget the addresses that are back to a full bucket
    std::erase_if(buckets, [&](const auto& b) {
      return b.second.tokens + limits.per_address_rate * std::chrono::duration<double>(now - b.second.at).count() >= burst;
    });
  auto [it, fresh] = buckets.try_emplace(address, Bucket{burst, now});
  Bucket& b = it->second;
  b.tokens = std::min(burst, b.tokens + limits.per_address_rate * std::chrono::duration<double>(now - b.at).count());
  b.at = now;
  if (b.tokens < 1) return "handshakes from " + address + " come faster than the limit of " +
                           std::to_string(static_cast<int>(limits.per_address_rate)) + " a second";
  b.tokens -= 1;
  return {};
}

void Server::Impl::endSessionsOf(const sync::Id& node, std::size_t keep, const std::string& why) {
  std::vector<std::pair<std::uint64_t, std::shared_ptr<Session>>> of;
  for (const auto& [number, weak] : live)
    if (auto s = weak.lock(); s && s->admitted() && !s->stopping() && s->device() == node) of.emplace_back(number, std::move(s));
  for (std::size_t i = 0; i + keep < of.size(); ++i) {
    log("session " + std::to_string(of[i].first) + ": ended: " + why);
    of[i].second->stop();
  }
}

void Server::Impl::endRevokedSessions() {
  std::set<sync::Id> open;
  for (const auto& [number, weak] : live)
    if (auto s = weak.lock(); s && s->admitted()) open.insert(s->device());
  if (open.empty()) return;
  std::vector<sync::Id> revoked;
  {
    auto held = lock();
    auto ok = guarded([&]() -> Status {
      for (const sync::Id& node : open)
        if (auto d = store->device(node); !d || d->revoked_at) revoked.push_back(node);
      return {};
    });
    if (!ok) return log("checking revocations failed (will retry): " + ok.error().message, LogLevel::error);
  }
  for (const sync::Id& node : revoked) endSessionsOf(node, 0, "device " + node.hex() + " was revoked");
}

void Server::Impl::admitted(const sync::Id& node) {
  // One device holds a few sessions at most (sync --watch, a manual sync, the
  // app): a newer one ends the oldest, so one device cannot fill the server.
  asio::post(control, [this, node] {
    endSessionsOf(node, limits.per_device, "device " + node.hex() + " opened a newer session");
  });
}

void Server::Impl::notifyWatchers() {
  for (const auto& [number, weak] : live)
    if (auto s = weak.lock()) s->logGrew();
}

void Server::Impl::notifyIfGrew() {
  std::uint64_t now_head = 0;
  bool behind = false, took_lead = false;
  {
    auto held = lock();
    auto ok = guarded([&]() -> Status {
      now_head = store->head();
      behind = mergedAt() < now_head;  // another process wrote the log
      const bool leads = checks.on && store->leads();
      took_lead = leads && !leading;  // the checks of what merged here while another led
      leading = leads;
      return {};
    });
    if (!ok) return;  // the next second tries again
  }
  if (took_lead && store->shared()) log("this server runs the business-rule checks now (it holds the checker's lock)");
  if (behind || took_lead) wantMerge();
  if (now_head == notified_head) return;
  notified_head = now_head;
  notifyWatchers();
}

awaitable<void> Server::Impl::acceptLoop() {
  // Failures (no file descriptors left, say) and refusals are logged once
  // per burst; a failing accept is retried with a growing pause, never given up.
  std::string refusing, failing;
  auto pause = std::chrono::milliseconds(10);
  asio::steady_timer retry(control);
  for (;;) {
    // Each session on a strand of its own (conventions 11).
    tcp::socket socket(asio::make_strand(io));
    boost::system::error_code ec;
    co_await acceptor->async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted || stopped) co_return;  // stop()
    if (ec) {
      if (failing.empty()) log("accept failed (" + ec.message() + "); retrying", LogLevel::error);
      failing = ec.message();
      retry.expires_after(pause);
      co_await retry.async_wait(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || stopped) co_return;
      pause = std::min(pause * 2, std::chrono::milliseconds(1000));
      continue;
    }
    if (!failing.empty()) log("accepting again after: " + failing);
    failing.clear();
    pause = std::chrono::milliseconds(10);
    const auto peer = socket.remote_endpoint(ec);
    if (const std::string why = overLimit(ec ? std::string("?") : peer.address().to_string()); !why.empty()) {
      if (refusing.empty()) log("refusing new connections: " + why, LogLevel::warning);
      refusing = why;
      socket.close(ec);
      continue;
    }
    if (!refusing.empty()) log("accepting connections again");
    refusing.clear();
    socket.set_option(tcp::no_delay(true), ec);  // small frames in lockstep: no Nagle delay
    const std::uint64_t n = ++sessions;
    auto session = std::make_shared<Session>(std::move(socket), *this, n);
    ++metrics.sessions_open;
    live.emplace(n, session);
    session->start();
  }
}

awaitable<void> Server::Impl::every(asio::steady_timer& timer, std::chrono::milliseconds period,
                                    std::function<void()> work, bool while_stopping) {
  for (;;) {
    if (stopped && !while_stopping) co_return;  // stop() may come before this starts
    work();
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;  // stop()
  }
}

void Server::Impl::sweepTransit() {
  auto held = lock();
  if (auto ok = pipeline->sweepTransit(); !ok) log("transit sweep failed: " + ok.error().message, LogLevel::error);
}

std::uint64_t Server::Impl::head() {
  auto held = lock();
  return sessionWork([&] { return store->head(); });
}

Device Server::Impl::admit(const pb::Envelope& e, const sync::ServerHandshake& hs, const std::string& who) {
  struct Counted {
    Metrics& m;
    bool admitted = false;
    ~Counted() { ++(admitted ? m.handshakes_admitted : m.handshakes_refused); }
  } counted{metrics};
  auto held = lock();
  Device admitted = sessionWork([&] {
    const std::int64_t at = now();
    const std::int64_t offset = hs.clientTimeMs() ? static_cast<std::int64_t>(hs.clientTimeMs()) - at : 0;
    if (e.msg_case() == pb::Envelope::kClientAuth) {
      auto node = Id::fromBytes(e.client_auth().node());
      if (!node) throw SessionError{Errc::malformed, "the device id is not 16 bytes"};
      auto device = store->device(*node);
      if (!device) throw SessionError{Errc::denied, "device " + node->hex() + " is not enrolled: enroll it first"};
      if (device->revoked_at) throw SessionError{Errc::denied, "device " + node->hex() + " has been revoked"};
      if (!hs.verifyClient(device->key, *node, e.client_auth().signature()))
        throw SessionError{Errc::denied, "the device's handshake signature does not verify"};
      store->touch(*node, at, offset);
      announced[*node] = e.client_auth().own_seq();
      device->last_contact = at;
      device->clock_offset_ms = offset;
      if (auto ok = pipeline->checkClock(*device, {}, at); !ok) log("raising clock_skew failed: " + ok.error().message, LogLevel::error);
      return *device;
    }
    if (e.msg_case() != pb::Envelope::kEnroll || !hs.enroll())
      throw SessionError{Errc::malformed, "the first message must authenticate the device"};
    const pb::Enroll& en = e.enroll();
    const sync::Hash token = sync::hashBytes(en.token());
    auto t = store->token(token);
    if (!t) throw SessionError{Errc::denied, "the enrollment token is not known to this server"};
    auto node = Id::fromBytes(en.node());
    auto key_bytes = sync::publicKeyFromBytes(en.sign_pk());
    if (!node || !key_bytes) throw SessionError{Errc::malformed, "the enrollment names a bad device id or key"};
    if (!hs.verifyClient(*key_bytes, *node, en.signature()))
      throw SessionError{Errc::denied, "the enrolling device does not hold its key"};
    if (t->used) {
      // The same device with the same key asking again: its Welcome was lost
      // on the way (docs/protocol.md, "Enrollment"). It gets it again.
      auto enrolled = t->used_by ? store->device(*t->used_by) : std::nullopt;
      if (enrolled && enrolled->node == *node && enrolled->key == *key_bytes && !enrolled->revoked_at) {
        log(who + ": welcomed device " + node->hex() + " again (its enrollment is repeated)");
        return *enrolled;
      }
      throw SessionError{Errc::denied, "the enrollment token has already been used"};
    }
    if (t->expires_at < at) throw SessionError{Errc::denied, "the enrollment token has expired"};
    if (store->device(*node)) throw SessionError{Errc::refused, "device " + node->hex() + " is already enrolled"};
    // An id whose ops the log already holds (the merged replica's, whose
    // exceptions every device pulls) would let the new device's ops collide with them.
    if (*node == merged->nodeId() || !store->ownOps(*node, 0, 1).empty())
      throw SessionError{Errc::refused, "device id " + node->hex() + " already has ops in the log"};
    const Device d{*node, *key_bytes, t->branch, t->role, at, at, offset, 0, 0, 0, std::nullopt, t->person};
    auto tx = store->transaction();
    store->useToken(token, *node, at);
    store->addDevice(d);
    tx->commit();
    log(who + ": enrolled device " + node->hex() + " as " + d.branch + "/" + d.role +
        (d.person.empty() ? "" : "/" + d.person));
    return d;
  });
  held.unlock();
  counted.admitted = true;
  return admitted;
}

// A device revoked while its session is open is refused at its next request.
Device Server::Impl::stillAdmitted(const Device& device) {
  auto now = store->device(device.node);
  if (!now || now->revoked_at) throw SessionError{Errc::denied, "device " + device.node.hex() + " has been revoked"};
  return *now;
}

pb::Envelope Server::Impl::push(Device& device, const pb::Push& push, ScopeState& scope) {
  const Timed timed(metrics.ingest);
  {
    auto held = lock();
    sessionWork([&] { stillAdmitted(device); });
  }
  const sync::Hash digest = sync::batchDigest(signing_key.publicKey(), merged->company(), device.node, push.batch());
  if (!sync::verifySignature(device.key, std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()),
                             push.signature()))
    throw SessionError{Errc::denied, "the batch signature does not verify"};
  auto ops = sync::decodeBatch(push.batch());
  if (!ops) throw SessionError{Errc::malformed, ops.error().message};
  std::uint64_t expect = device.watermark + 1;
  for (const Op& op : *ops) {
    if (op.id.node != device.node)
      throw SessionError{Errc::denied, "a device may push only its own ops; this batch holds ops of " +
                                           op.id.node.hex()};
    if (op.id.seq > expect)
      throw SessionError{Errc::malformed, "the batch skips from seq " + std::to_string(expect - 1) + " to " +
                                              std::to_string(op.id.seq) + "; push again from the watermark"};
    if (op.id.seq < expect) continue;  // held already
    // An op no node makes (a modified client): refused, naming it.
    if (auto ok = node::checkPushedOp(op); !ok) throw SessionError{Errc::invalid_input, ok.error().message};
    ++expect;
  }
  auto held = lock();
  // Each new op within the device's rights, judged on the merged state
  // (docs/scopes.md); one outside them is held in quarantine.
  std::vector<std::string> outside(ops->size());
  const node::Principal who{device.node, device.branch, device.role, device.person};
  node::Rights rights(*merged);
  node::Scopes scopes(*merged);
  std::set<node::ScopeKey> seen, created;  // the entities the device makes: they are its (docs/scopes.md)
  for (std::size_t i = 0; i < ops->size(); ++i) {
    const Op& op = (*ops)[i];
    if (op.id.seq <= device.watermark) continue;
    if (i % kJudgedAtOnce == kJudgedAtOnce - 1) {  // a big batch lets other sessions in now and then
      held.unlock();
      held.lock();
    }
    auto ok = rights.check(who, op);
    if (!ok && ok.error().code != Errc::refused)
      throw SessionError{Errc::unavailable, "judging a pushed op failed: " + ok.error().message};
    if (!ok) outside[i] = ok.error().message;
    if (ok && device.role != "admin" && seen.insert({op.entity_type, op.entity}).second) {
      auto known = scopes.known({op.entity_type, op.entity});
      if (!known) throw SessionError{Errc::unavailable, known.error().message};
      if (!*known) created.insert({op.entity_type, op.entity});
    }
  }
  const bool quarantined = std::any_of(outside.begin(), outside.end(), [](const std::string& s) { return !s.empty(); });
  held.unlock();
  const std::uint64_t before = device.watermark;
  PendingCommit mine;
  mine.node = device.node;
  mine.ops = &*ops;
  mine.outside = &outside;
  mine.push = &push;
  mine.created.assign(created.begin(), created.end());
  mine.at = now();
  commit(mine);
  device.watermark = mine.watermark;
  metrics.ops_received += device.watermark - before;
  held.lock();
  if (!created.empty()) scope.held.reset();  // read again at the next pull
  // Committed and acknowledged whatever the merge does: the merge catches up later.
  if (quarantined) {
    log("device " + device.node.hex() + ": ops outside its rights held in quarantine", LogLevel::warning);
    if (auto ok = pipeline->raiseQuarantine(device); !ok) log("raising quarantined failed: " + ok.error().message, LogLevel::error);
  }
  if (auto ok = pipeline->checkClock(device, *ops, now()); !ok) log("raising clock_skew failed: " + ok.error().message, LogLevel::error);
  // A small backlog is merged now, so that the device's pull that follows
  // sees what its ops raised; a large one (a bootstrap, a week offline) by
  // the merger thread in steps, so that no check holds up other sessions for long.
  const std::uint64_t head = sessionWork([&] { return store->head(); });
  auto merged_at = merged->settingNumber("sync.cursor");
  if (merged_at && head - *merged_at <= kInlineMerge) {
    const Timed merging(metrics.reconcile);
    if (auto ok = pipeline->catchUp(); !ok) log("merging into merged.db failed (will retry): " + ok.error().message, LogLevel::error);
  } else {
    wantMerge();
  }
  held.unlock();
  asio::post(control, [this] { notifyIfGrew(); });
  pb::Envelope ack;
  ack.mutable_push_ack()->set_watermark(device.watermark);
  return ack;
}

void Server::Impl::commit(PendingCommit& mine) {
  std::unique_lock queued(commit_mutex);
  commit_queue.push_back(&mine);
  while (!mine.done) {
    if (committing) {  // another push is the writer now: it may take this one along
      commit_cv.wait(queued);
      continue;
    }
    committing = true;
    std::vector<PendingCommit*> group;
    group.swap(commit_queue);
    queued.unlock();
    std::optional<storage::StoreError> failed;
    {
      auto held = lock();
      try {
        auto tx = store->transaction();
        for (PendingCommit* c : group) {
          c->watermark = store->appendPush(c->node, *c->ops, *c->outside, c->push->batch(), c->push->signature(), c->at);
          store->holdScope(c->node, c->created, {});
        }
        tx->commit();
      } catch (const storage::StoreError& e) {
        failed = e;
      }
    }
    ++metrics.commits;
    queued.lock();
    for (PendingCommit* c : group) {
      c->failed = failed;
      c->done = true;
    }
    committing = false;
    commit_cv.notify_all();
  }
  if (mine.failed) throw SessionError{mine.failed->error().code, mine.failed->error().message};
}

void Server::Impl::wantMerge() {
  {
    std::lock_guard held(merge_mutex);
    merge_wanted = true;
  }
  merge_cv.notify_one();
}

void Server::Impl::mergeLoop() {
  for (;;) {
    {
      std::unique_lock waiting(merge_mutex);
      merge_cv.wait(waiting, [&] { return merge_wanted || merge_stop; });
      if (merge_stop) return;
      merge_wanted = false;
    }
    for (bool caught_up = false; !caught_up;) {
      auto held = lock();
      const Timed merging(metrics.reconcile);
      auto step = pipeline->catchUpSome(kInlineMerge);
      held.unlock();
      if (!step) {
        log("merging into merged.db failed (will retry): " + step.error().message, LogLevel::error);
        break;
      }
      caught_up = *step;
      asio::post(control, [this] { notifyWatchers(); });  // what it raised, and scopes it changed
    }
  }
}

std::uint64_t Server::Impl::mergedAt() {
  auto at = merged->settingNumber("sync.cursor");
  if (!at) throw SessionError{Errc::unavailable, "reading merged.db: " + at.error().message};
  return *at;
}

std::string Server::Impl::logId() {
  auto held = lock();
  return sessionWork([&] {
    auto id = sync::Id::fromHex(store->meta("log_id").value_or(""));
    return id ? std::string(reinterpret_cast<const char*>(id->bytes.data()), id->bytes.size()) : std::string();
  });
}

bool Server::Impl::news(const Device& device, WatchState& watch) {
  auto held = lock();
  return sessionWork([&] {
    for (;;) {
      const std::vector<LoggedOp> ops = store->opsAfter(watch.scanned, device.node, kBatchOps);
      if (ops.empty()) return false;
      auto outside = [&] {
        return std::any_of(ops.begin(), ops.end(), [&](const LoggedOp& l) { return !watch.index.count(l.op.entity); });
      };
      const std::uint64_t head = ops.back().server_seq;
      if (!watch.known || (!watch.everything && watch.index_head < mergedAt() && outside())) {
        auto s = node::Scopes(*merged).of({device.node, device.branch, device.role, device.person});
        if (!s) throw SessionError{Errc::internal, "the device's scope: " + s.error().message};
        watch.known = true;
        watch.everything = s->everything;
        watch.index_head = mergedAt();
        watch.index.clear();
        for (const auto& key : s->entities) watch.index.insert(key.second);
      }
      if (watch.everything || std::any_of(ops.begin(), ops.end(),
                                          [&](const LoggedOp& l) { return watch.index.count(l.op.entity) > 0; }))
        return true;
      watch.scanned = head;
      if (ops.size() < kBatchOps) return false;
    }
  });
}

// The device's scope as the merged replica holds it now (computed again
// only when the replica has merged more of the log, which may lag the log
// while the merger works through a large push); true when computed again.
bool Server::Impl::refreshScope(const Device& device, ScopeState& scope) {
  const std::uint64_t head = mergedAt();
  if (scope.scope && scope.scope_head == head) return false;
  auto s = node::Scopes(*merged).of({device.node, device.branch, device.role, device.person});
  if (!s) throw SessionError{Errc::internal, "the device's scope: " + s.error().message};
  scope.scope = std::move(s).value();
  scope.scope_head = head;
  scope.index.clear();
  for (const auto& key : scope.scope->entities) scope.index.insert(key.second);
  return true;
}

// The first phase of a pull (docs/protocol.md, "Pull"): a reply with the
// histories of entities that entered the device's scope and the ids of
// those that left, while there are any. The last reply's count as applied
// now that the device pulls again on this session.
std::optional<pb::Envelope> Server::Impl::scopeChanges(const Device& device, const pb::Pull& pull, ScopeState& scope,
                                                       std::uint64_t head, std::size_t max_bytes) {
  const bool recompute = refreshScope(device, scope);
  if (scope.scope->everything) return std::nullopt;
  if (pull.cursor() == 0 || !scope.sent.empty() || !scope.dropped.empty()) {
    auto tx = store->transaction();
    if (pull.cursor() == 0) store->forgetScope(device.node);  // nothing held: a new or reset device
    store->holdScope(device.node, scope.sent, scope.dropped);
    tx->commit();
  }
  const bool reload = !scope.held || pull.cursor() == 0;
  if (reload) {
    scope.held = store->scopeHeld(device.node);
  } else {
    scope.held->insert(scope.sent.begin(), scope.sent.end());
    const std::set<sync::Id> dropped(scope.dropped.begin(), scope.dropped.end());
    std::erase_if(*scope.held, [&](const node::ScopeKey& k) { return dropped.count(k.second) > 0; });
  }
  scope.sent.clear();
  scope.dropped.clear();
  if (recompute || reload) {
    scope.entering.clear();
    std::set_difference(scope.scope->entities.begin(), scope.scope->entities.end(), scope.held->begin(),
                        scope.held->end(), std::back_inserter(scope.entering));
    scope.next = 0;
    scope.leaving.clear();
    for (const auto& key : *scope.held)
      if (!scope.scope->entities.count(key)) scope.leaving.push_back(key.second);
  }
  if (scope.next == scope.entering.size() && scope.leaving.empty()) return std::nullopt;
  std::vector<Op> history;
  std::vector<std::size_t> ends;  // history's size after each entity sent
  std::size_t bytes = 0;
  while (scope.next < scope.entering.size() && bytes < max_bytes && history.size() < kSnapshotOps) {
    auto ops = node::Scopes(*merged).snapshot({&scope.entering[scope.next], 1});
    if (!ops) throw SessionError{Errc::internal, "a snapshot: " + ops.error().message};
    for (const Op& op : *ops) bytes += sync::encodeOp(op).size();
    history.insert(history.end(), ops->begin(), ops->end());
    scope.sent.push_back(scope.entering[scope.next++]);
    ends.push_back(history.size());
  }
  std::size_t n = history.size();
  std::string batch = fitted(history, max_bytes, n);
  // Whole entities only; the first goes whole even past max_bytes.
  std::size_t whole = static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), n) - ends.begin());
  if (whole == 0 && !ends.empty()) {
    whole = 1;
    batch = sync::encodeBatch(std::span<const Op>(history).subspan(0, ends[0]));
  }
  scope.next -= scope.sent.size() - whole;  // the rest goes in the next reply
  scope.sent.resize(whole);
  metrics.ops_sent += whole ? ends[whole - 1] : 0;
  scope.dropped = std::move(scope.leaving);
  scope.leaving.clear();
  pb::Envelope reply;
  auto* b = reply.mutable_pull_batch();
  b->set_batch(batch);
  b->set_cursor(pull.cursor() == 0 ? head : pull.cursor());
  b->set_more(true);
  for (const sync::Id& id : scope.dropped) b->add_dropped(std::string(id.view()));
  return reply;
}

// A device's scope (docs/scopes.md): first the history of every entity that
// entered it and the ids of those that left (one reply at a time, each
// counted as applied when the device pulls again), then the log after its
// cursor, in its scope. A device with nothing yet (cursor 0) gets the
// cursor of the head with its first reply: the histories cover every op
// before it, so a new device never reads the log from the start.
pb::Envelope Server::Impl::pull(const Device& device, const pb::Pull& pull, ScopeState& scope) {
  const std::size_t max_bytes = std::min<std::size_t>(pull.max_bytes() ? pull.max_bytes() : kMaxBatchBytes,
                                                      kMaxBatchBytes);
  auto held = lock();
  return sessionWork([&] {
    const Device now = stillAdmitted(device);
    if (pull.cursor() < now.cursor && device.role != "admin") {
      // Back in time: a restored database. What the server counted as held
      // may be gone from it, and it may hold what has left its scope since.
      store->forgetScope(device.node);
      store->setCursor(device.node, 0);
      scope = {};
      log("device " + device.node.hex() + " pulled from " + std::to_string(pull.cursor()) + ", before " +
          std::to_string(now.cursor) + ": restored from a backup; it receives its scope anew");
      pb::Envelope reply;
      reply.mutable_pull_batch()->set_reset(true);
      reply.mutable_pull_batch()->set_more(true);
      return reply;
    }
    store->setCursor(device.node, pull.cursor());
    store->contacted(device.node, Impl::now());  // a watching device's session stays open for days
    const std::uint64_t head = store->head();
    if (auto reply = scopeChanges(device, pull, scope, head, max_bytes)) return *reply;
    // Past scopeChanges, what the device holds is its scope (docs/scopes.md).
    const std::uint64_t after = std::min(pull.cursor(), head);
    std::vector<LoggedOp> ops =
        scope.scope->everything
            ? store->opsAfter(pull.cursor(), device.node, kBatchOps)
            : store->scopedOpsAfter(device.node, pull.cursor(), kBatchOps, scope.held->size() < head - after);
    std::vector<Op> plain;
    for (LoggedOp& l : ops) plain.push_back(std::move(l.op));
    std::size_t n = plain.size();
    const std::string batch = fitted(plain, max_bytes, n);  // the reply says where it stopped
    const bool cut = n < plain.size();
    metrics.ops_sent += n;
    const bool more = ops.size() == kBatchOps || cut;
    pb::Envelope reply;
    auto* b = reply.mutable_pull_batch();
    b->set_batch(batch);
    // Unless cut short, everything up to the head was read (the device's
    // own ops and those outside its scope are not sent).
    const std::uint64_t reached = cut ? ops[n - 1].server_seq : more ? ops.back().server_seq : head;
    b->set_cursor(reached);
    b->set_more(more);
    // Caught up: this is where the device is (a later pull from before it
    // means a restored database; a lost last reply looks the same, and costs
    // the device its scope sent anew).
    if (!more) store->setCursor(device.node, reached);
    return reply;
  });
}

// A device restored from a backup takes back its own ops (docs/reliability.md).
pb::Envelope Server::Impl::recover(const Device& device, const pb::Recover& recover) {
  auto held = lock();
  return sessionWork([&] {
    stillAdmitted(device);
    const std::vector<Op> ops = store->ownOps(device.node, recover.after_seq(), kBatchOps);
    std::size_t n = ops.size();
    pb::Envelope reply;
    auto* b = reply.mutable_pull_batch();
    b->set_batch(fitted(ops, kMaxBatchBytes, n));
    b->set_cursor(n ? ops[n - 1].id.seq : recover.after_seq());
    b->set_more(ops.size() == kBatchOps || n < ops.size());
    return reply;
  });
}


namespace {
constexpr std::size_t kAttachmentPiece = 256 * 1024;  // docs/protocol.md, "Attachments"

sync::Hash attachmentHashOf(const std::string& bytes) {
  sync::Hash h{};
  if (bytes.size() != h.size()) throw SessionError{Errc::malformed, "an attachment's hash is not 32 bytes"};
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}
}  // namespace

// A piece of an attachment that an op of this device refers to: taken when
// it starts at what the server holds; the last one is checked against the
// hash. The reply says how much is held, so a cut upload resumes there.
pb::Envelope Server::Impl::attachmentPut(const Device& device, const pb::AttachmentPut& put) {
  const sync::Hash h = attachmentHashOf(put.hash());
  const std::string ref = node::attachmentRef(h);
  if (put.size() == 0 || put.size() > node::kMaxAttachmentBytes)
    throw SessionError{Errc::invalid_input, "attachment " + ref + ": " + std::to_string(put.size()) +
                                                " bytes; at most " + std::to_string(node::kMaxAttachmentBytes)};
  if (put.type() != "image/png" && put.type() != "image/jpeg")
    throw SessionError{Errc::invalid_input, "attachment " + ref + ": type '" + put.type() + "' is not image/png or image/jpeg"};
  if (put.data().size() > kAttachmentPiece || put.offset() + put.data().size() > put.size())
    throw SessionError{Errc::malformed, "attachment " + ref + ": a piece of " + std::to_string(put.data().size()) +
                                            " bytes at " + std::to_string(put.offset()) + " does not fit"};
  auto held = lock();
  return sessionWork([&] {
    stillAdmitted(device);
    if (!store->refersTo(device.node, h))
      throw SessionError{Errc::refused, "attachment " + ref + ": no op of this device refers to it"};
    const auto found = store->attachment(h);
    StoredAttachment was = found.value_or(StoredAttachment{});
    if (found && !was.complete && (was.size != put.size() || was.type != put.type())) {
      store->dropAttachment(h);  // an earlier upload that said otherwise: only the bytes can tell, so start over
      was = {};
    }
    bool complete = was.complete;
    std::uint64_t now_held = complete ? put.size() : was.held;
    if (!complete && put.offset() == was.held && !put.data().empty()) {
      auto tx = store->transaction();
      store->putAttachmentPiece(h, put.type(), put.size(), put.data(), device.node, now());
      now_held = was.held + put.data().size();
      if (now_held == put.size()) {
        const std::string whole = store->attachmentPiece(h, 0, put.size());
        const auto type = node::attachmentType("attachment", whole);
        if (sync::sha256(whole) != h || !type || *type != put.type()) {
          store->dropAttachment(h);
          tx->commit();
          throw SessionError{Errc::invalid_input, "attachment " + ref + ": its bytes do not match its hash and type"};
        }
        store->completeAttachment(h);
        complete = true;
        log("device " + device.node.hex() + ": attachment " + ref + " received (" + std::to_string(put.size()) +
            " bytes)");
      }
      tx->commit();
    }
    pb::Envelope reply;
    auto* ack = reply.mutable_attachment_ack();
    ack->set_hash(put.hash());
    ack->set_held(now_held);
    ack->set_complete(complete);
    return reply;
  });
}

// A piece of an attachment for a device that may see it: an administrator,
// a device one of whose ops refers to it, or one whose scope holds an entity
// of a logged op that does. To any other, and while it is incomplete, it is
// not available (the device asks again at a later sync).
pb::Envelope Server::Impl::attachmentGet(const Device& device, const pb::AttachmentGet& get, ScopeState& scope) {
  const sync::Hash h = attachmentHashOf(get.hash());
  auto held = lock();
  return sessionWork([&] {
    stillAdmitted(device);
    pb::Envelope reply;
    auto* d = reply.mutable_attachment_data();
    d->set_hash(get.hash());
    d->set_offset(get.offset());
    const auto stored = store->attachment(h);
    if (!stored || !stored->complete) return reply;
    bool may = device.role == "admin" || store->refersTo(device.node, h);
    if (!may) {
      refreshScope(device, scope);
      for (const Id& entity : store->attachmentEntities(h)) may = may || scope.index.count(entity) > 0;
    }
    if (!may) return reply;
    if (get.offset() > stored->size)
      throw SessionError{Errc::malformed, "attachment " + node::attachmentRef(h) + ": offset " +
                                              std::to_string(get.offset()) + " is past its end"};
    d->set_available(true);
    d->set_type(stored->type);
    d->set_size(stored->size);
    d->set_data(store->attachmentPiece(h, get.offset(), kAttachmentPiece));
    return reply;
  });
}

// Who else syncs: a supervisor sees its branch's devices, an administrator
// every device (docs/protocol.md, "Devices").
pb::Envelope Server::Impl::devices(const Device& device) {
  const bool admin = device.role == "admin";
  if (!admin && device.role != "supervisor")
    throw SessionError{Errc::refused, "only supervisors and administrators may list devices; this one is a " + device.role};
  auto held = lock();
  return sessionWork([&] {
    stillAdmitted(device);
    pb::Envelope reply;
    auto* list = reply.mutable_device_list();
    for (const Device& d : store->devices()) {
      if (!admin && !node::sameName(d.branch, device.branch)) continue;
      auto* i = list->add_devices();
      i->set_node(std::string(d.node.view()));
      i->set_branch(d.branch);
      i->set_role(d.role);
      i->set_person(d.person);
      i->set_enrolled_at_ms(static_cast<std::uint64_t>(d.enrolled_at));
      i->set_last_contact_ms(static_cast<std::uint64_t>(d.last_contact));
      i->set_clock_offset_ms(d.clock_offset_ms);
      i->set_revoked_at_ms(static_cast<std::uint64_t>(d.revoked_at.value_or(0)));
    }
    return reply;
  });
}

}  // namespace fieldsync::server
