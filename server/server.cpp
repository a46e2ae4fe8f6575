// The central server: data directory, admin, and one coroutine per session.
#include "server/server.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>

#include "fieldsync.pb.h"
#include "node/key_file.h"
#include "node/exceptions.h"
#include "node/node.h"
#include "node/reconcile.h"
#include "server/internal/store.h"
#include "storage/sqlite.h"
#include "sync/codec.h"
#include "sync/crypto.h"
#include "sync/net.h"
#include "sync/ticket.h"

namespace fieldsync::server {

namespace pb = fieldsync::v1;
using namespace fieldsync::net;
using asio::awaitable;
using asio::use_awaitable;
using sync::Errc;
using sync::Id;
using sync::Op;

namespace {

constexpr std::size_t kMaxBatchBytes = 1u << 20;
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
constexpr auto kIdleTimeout = std::chrono::minutes(5);

std::int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// What ends a session: sent to the peer as an Error when the channel is up.
struct SessionError {
  Errc code;
  std::string message;
};

pb::ErrorCode wireCode(Errc c) {
  switch (c) {
    case Errc::invalid_input: return pb::INVALID_INPUT;
    case Errc::refused: return pb::REFUSED;
    case Errc::not_found: return pb::NOT_FOUND;
    case Errc::malformed: return pb::MALFORMED;
    case Errc::unavailable: return pb::UNAVAILABLE;
    case Errc::denied: return pb::DENIED;
    case Errc::internal: return pb::INTERNAL;
  }
  return pb::INTERNAL;
}

// One connection: frames in and out, sealed after the handshake.
class Channel {
 public:
  explicit Channel(tcp::socket socket) : socket_(std::move(socket)), deadline_(socket_.get_executor()) {}

  awaitable<std::string> readFrame(std::chrono::steady_clock::duration timeout) {
    deadline_.expires_after(timeout);
    deadline_.async_wait([this](boost::system::error_code ec) {
      if (!ec) socket_.close();  // the peer went quiet: end the session
    });
    std::uint8_t header[4];
    co_await asio::async_read(socket_, asio::buffer(header), use_awaitable);
    auto len = sync::frameLength(header);
    if (!len) throw SessionError{Errc::malformed, len.error().message};
    std::string body(*len, '\0');
    co_await asio::async_read(socket_, asio::buffer(body), use_awaitable);
    deadline_.cancel();
    co_return body;
  }

  awaitable<void> writeFrame(std::string_view payload) {
    const std::string f = sync::frame(payload);
    co_await asio::async_write(socket_, asio::buffer(f), use_awaitable);
  }

  void secure(std::unique_ptr<sync::StreamSender> tx, std::unique_ptr<sync::StreamReceiver> rx) {
    tx_ = std::move(tx);
    rx_ = std::move(rx);
  }
  bool secured() const { return tx_ != nullptr; }

  awaitable<pb::Envelope> recv(std::chrono::steady_clock::duration timeout) {
    const std::string sealed = co_await readFrame(timeout);
    auto plain = rx_->unseal(sealed);
    if (!plain) throw SessionError{Errc::malformed, plain.error().message};
    pb::Envelope e;
    if (!e.ParseFromString(*plain)) throw SessionError{Errc::malformed, "a message does not parse"};
    co_return e;
  }

  awaitable<void> send(const pb::Envelope& e, bool final = false) {
    co_await writeFrame(tx_->seal(e.SerializeAsString(), final));
  }

  std::string peer() const {
    boost::system::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  tcp::socket socket_;
  asio::steady_timer deadline_;
  std::unique_ptr<sync::StreamSender> tx_;
  std::unique_ptr<sync::StreamReceiver> rx_;
};

}  // namespace

struct Server::Impl {
  std::string dir;
  sync::SigningKey key;
  std::unique_ptr<ServerStore> store;
  std::unique_ptr<node::Node> merged;
  std::function<void(const std::string&)> log = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  std::uint64_t sessions = 0;
  // Settings; atomic, since they may be changed while another thread serves.
  std::atomic<std::int64_t> max_transit_ms = node::Reconciler::kDefaultMaxTransitMs;
  std::atomic<std::int64_t> max_clock_ahead_ms = Server::kDefaultMaxClockAheadMs;
  std::atomic<bool> checks = true;
  // The public methods may be called from another thread while serve()
  // runs: they and the serving thread's work on the stores take this lock
  // (the serving thread never holds it across a co_await).
  std::recursive_mutex mutex;
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex); }
  // Declared last: destroyed first, with every pending session, while the
  // members above are still alive.
  asio::io_context io{1};
  std::optional<tcp::acceptor> acceptor;

  explicit Impl(sync::SigningKey k) : key(std::move(k)) {}

  template <class T>
  Result<T> guarded(const std::function<Result<T>()>& body) {
    try {
      return body();
    } catch (const storage::StoreError& e) {
      return e.error();
    }
  }

  // Puts the merged replica's own ops (exceptions it raised) into the log,
  // so that every node pulls them.
  Status forward() {
    auto done = guarded<std::uint64_t>([&]() -> Result<std::uint64_t> { return store->metaNumber("forwarded"); });
    if (!done) return done.error();
    auto ops = merged->opsOf(merged->nodeId(), *done, 1'000'000);
    if (!ops) return ops.error();
    if (ops->empty()) return {};
    auto ok = guarded<bool>([&]() -> Result<bool> {
      auto tx = store->transaction();
      store->appendOwn(*ops);
      store->setMeta("forwarded", std::to_string(ops->back().id.seq));
      tx.commit();
      return true;
    });
    if (!ok) return ok.error();
    return {};
  }

  // Brings the merged replica up to the head of the log (also after a crash
  // between a committed push and the merge), checks the business rules on
  // what each batch touched, and forwards the exceptions that raised.
  Status catchUp() {
    auto merged_cursor = merged->settingNumber("sync.cursor");
    if (!merged_cursor) return merged_cursor.error();
    std::uint64_t cursor = *merged_cursor;
    for (;;) {
      auto ops = guarded<std::vector<LoggedOp>>([&]() -> Result<std::vector<LoggedOp>> {
        return store->opsAfter(cursor, Id{}, 5000);
      });
      if (!ops) return ops.error();
      if (ops->empty()) return {};
      std::vector<Op> batch;
      for (LoggedOp& l : *ops) batch.push_back(std::move(l.op));
      cursor = ops->back().server_seq;
      if (auto ok = merged->applyPulled(batch, cursor); !ok) return ok;
      if (checks)
        if (auto checked = node::Reconciler(*merged).reconcile(batch, max_transit_ms); !checked) return checked.error();
      if (auto ok = forward(); !ok) return ok;
    }
  }

  // Goods can become overdue in transit with no new fact: sweep now and then.
  awaitable<void> sweepLoop() {
    asio::steady_timer timer(io);
    for (;;) {
      {
        auto held = lock();
        auto swept = node::Reconciler(*merged).sweepTransit(max_transit_ms);
        if (!swept) log("transit sweep failed: " + swept.error().message);
        else if (*swept && !forward()) log("forwarding exceptions failed");
      }
      timer.expires_after(std::chrono::minutes(10));
      co_await timer.async_wait(use_awaitable);
    }
  }
  awaitable<void> acceptLoop();
  awaitable<void> session(tcp::socket socket, std::uint64_t number);
  awaitable<Device> authenticate(Channel& ch, const sync::ServerHandshake& hs, const std::string& who);
  awaitable<void> handlePush(Channel& ch, Device& device, const pb::Push& push);
  awaitable<void> handlePull(Channel& ch, const Device& device, const pb::Pull& pull);
  void checkClock(const Device& device, const std::vector<Op>& ops);
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::open(const std::string& data_dir, std::string_view company) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return sync::fail(Errc::invalid_input, "--data: cannot create " + data_dir + ": " + ec.message());
  const std::string key_path = data_dir + "/server.key", merged_path = data_dir + "/merged.db";
  const bool fresh = !std::filesystem::exists(key_path);
  if (fresh) {
    if (company.empty()) return sync::fail(Errc::invalid_input, "--company: a new server needs the company name");
    if (auto ok = node::writeKeyFile(key_path, sync::SigningKey::generate(), false); !ok) return ok.error();
  }
  auto key = node::readKeyFile(key_path);
  if (!key) return key.error();
  auto impl = std::make_unique<Impl>(std::move(key).value());
  impl->dir = data_dir;
  try {
    impl->store = ServerStore::open(data_dir + "/server.db");
  } catch (const storage::StoreError& e) {
    return sync::fail(Errc::internal, e.what());
  }
  auto merged = std::filesystem::exists(merged_path) ? node::Node::open(merged_path)
                                                     : node::Node::init(merged_path, company);
  if (!merged) return merged.error();
  impl->merged = std::move(merged).value();
  if (!company.empty() && sync::normaliseSerial(company) != impl->merged->company())
    return sync::fail(Errc::refused, "--company: this server belongs to " + std::string(impl->merged->company()));
  if (auto ok = impl->catchUp(); !ok) return ok.error();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::string Server::publicKeyHex() const { return sync::toHex(impl_->key.publicKey()); }

void Server::setLog(std::function<void(const std::string&)> log) { impl_->log = std::move(log); }

Result<std::string> Server::enrollToken(std::string_view branch, std::string_view role, std::int64_t valid_ms,
                                        std::string_view host, std::uint16_t port) {
  static constexpr std::string_view kRoles[] = {"technician", "warehouse", "driver", "supervisor"};
  if (std::find(std::begin(kRoles), std::end(kRoles), role) == std::end(kRoles))
    return sync::fail(Errc::invalid_input, "--role: '" + std::string(role) +
                                               "' is not one of: technician, warehouse, driver, supervisor");
  if (branch.empty()) return sync::fail(Errc::invalid_input, "--branch: must not be empty");
  if (valid_ms <= 0) return sync::fail(Errc::invalid_input, "--expires: must be positive");
  auto held = impl_->lock();
  std::string address_host(host);
  std::uint16_t address_port = port;
  if (address_host.empty()) {  // where this server last listened
    auto saved = impl_->guarded<std::string>([&]() -> Result<std::string> {
      return impl_->store->meta("address").value_or("");
    });
    if (!saved) return saved.error();
    if (saved->empty())
      return sync::fail(Errc::invalid_input, "--address: the server has not listened yet; give HOST:PORT");
    auto address = sync::parseAddress(*saved);
    if (!address) return sync::fail(Errc::internal, "server.db is damaged: its address " + address.error().message);
    address_host = address->host;
    address_port = address->port;
  }
  const Id token = sync::randomId();
  const std::int64_t expires = nowMs() + valid_ms;
  auto ok = impl_->guarded<bool>([&]() -> Result<bool> {
    impl_->store->addToken(sync::hashBytes(token.view()), std::string(branch), std::string(role), expires);
    return true;
  });
  if (!ok) return ok.error();
  return sync::encodeTicket({address_host, address_port, impl_->key.publicKey(), std::string(token.view()),
                             std::string(impl_->merged->company()), std::string(branch), std::string(role),
                             static_cast<std::uint64_t>(expires)});
}

Result<std::vector<Device>> Server::devices() {
  auto held = impl_->lock();
  return impl_->guarded<std::vector<Device>>([&]() -> Result<std::vector<Device>> { return impl_->store->devices(); });
}

Status Server::revoke(std::string_view device_hex) {
  auto id = Id::fromHex(device_hex);
  if (!id) return sync::fail(Errc::invalid_input, "DEVICE: " + id.error().message);
  auto held = impl_->lock();
  auto r = impl_->guarded<bool>([&]() -> Result<bool> { return impl_->store->revoke(*id, nowMs()); });
  if (!r) return r.error();
  if (!*r) return sync::fail(Errc::not_found, "DEVICE: " + std::string(device_hex) + " is not an enrolled device");
  return {};
}

Result<std::vector<node::ExceptionRow>> Server::exceptions(bool include_resolved) {
  auto held = impl_->lock();
  return node::Exceptions(*impl_->merged).list(include_resolved);
}
Result<node::ExceptionView> Server::showException(std::string_view ref) {
  auto held = impl_->lock();
  return node::Exceptions(*impl_->merged).show(ref);
}
Result<node::Resolved> Server::resolveException(std::string_view ref, const node::Resolution& how) {
  auto held = impl_->lock();
  auto r = node::Exceptions(*impl_->merged).resolve(ref, how);
  if (!r) return r;
  if (auto ok = impl_->forward(); !ok) return ok.error();
  return r;
}

Result<std::string> Server::exportJson() {
  auto held = impl_->lock();
  return impl_->merged->exportJson();
}
Result<std::string> Server::digest() {
  auto held = impl_->lock();
  return impl_->merged->digest();
}
Result<std::uint64_t> Server::opCount() {
  auto held = impl_->lock();
  return impl_->guarded<std::uint64_t>([&]() -> Result<std::uint64_t> { return impl_->store->opCount(); });
}

Result<std::uint16_t> Server::listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return sync::fail(Errc::invalid_input, "--listen: '" + host + "' is not an IP address");
  tcp::acceptor acceptor(impl_->io);
  const tcp::endpoint ep(address, port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return sync::fail(Errc::unavailable, "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  const std::uint16_t bound = acceptor.local_endpoint().port();
  impl_->acceptor.emplace(std::move(acceptor));
  auto held = impl_->lock();
  auto saved = impl_->guarded<bool>([&]() -> Result<bool> {
    impl_->store->setMeta("address", host + ":" + std::to_string(bound));
    return true;
  });
  if (!saved) return saved.error();
  return bound;
}

Status Server::serve(bool stop_on_signals) {
  if (!impl_->acceptor) return sync::fail(Errc::internal, "serve() before listen()");
  std::optional<asio::signal_set> signals;
  if (stop_on_signals) {
    signals.emplace(impl_->io, SIGINT, SIGTERM);
    signals->async_wait([this](boost::system::error_code ec, int sig) {
      if (!ec) impl_->log("stopping on signal " + std::to_string(sig));
      stop();
    });
  }
  asio::co_spawn(impl_->io, impl_->acceptLoop(), [this](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      impl_->log(std::string("accept loop ended: ") + ex.what());
    }
  });
  asio::co_spawn(impl_->io, impl_->sweepLoop(), [this](std::exception_ptr e) {
    if (e) impl_->log("the transit sweep stopped");
  });
  impl_->io.run();
  return {};
}

void Server::setMaxTransit(std::int64_t ms) { impl_->max_transit_ms = ms; }
void Server::setMaxClockAhead(std::int64_t ms) { impl_->max_clock_ahead_ms = ms; }
void Server::setChecks(bool on) { impl_->checks = on; }

void Server::stop() { impl_->io.stop(); }

awaitable<void> Server::Impl::acceptLoop() {
  for (;;) {
    tcp::socket socket = co_await acceptor->async_accept(use_awaitable);
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // small frames in lockstep: no Nagle delay
    const std::uint64_t n = ++sessions;
    asio::co_spawn(io, session(std::move(socket), n), [this, n](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log("session " + std::to_string(n) + ": ended by " + ex.what());
      }
    });
  }
}

awaitable<void> Server::Impl::session(tcp::socket socket, std::uint64_t number) {
  Channel ch(std::move(socket));
  std::string who = "session " + std::to_string(number) + " " + ch.peer();
  std::optional<SessionError> failure;
  try {
    sync::ServerHandshake hs(key);
    const std::string hello = co_await ch.readFrame(kHandshakeTimeout);
    auto server_hello = hs.onClientHello(hello, static_cast<std::uint64_t>(nowMs()));
    if (!server_hello) throw SessionError{server_hello.error().code, server_hello.error().message};
    co_await ch.writeFrame(*server_hello);
    auto tx = std::make_unique<sync::StreamSender>(hs.keys().tx);
    co_await ch.writeFrame(tx->header());
    const std::string header = co_await ch.readFrame(kHandshakeTimeout);
    auto rx = sync::StreamReceiver::open(hs.keys().rx, header);
    if (!rx) throw SessionError{Errc::malformed, rx.error().message};
    ch.secure(std::move(tx), std::move(rx).value());

    Device device = co_await authenticate(ch, hs, who);
    who += " device " + device.node.hex().substr(0, 8);
    pb::Envelope welcome;
    auto* w = welcome.mutable_welcome();
    w->set_watermark(device.watermark);
    w->set_head(std::invoke([&] {
      auto held = lock();
      return store->head();
    }));
    w->set_server_time_ms(static_cast<std::uint64_t>(nowMs()));
    w->set_branch(device.branch);
    w->set_role(device.role);
    co_await ch.send(welcome);
    log(who + ": connected (" + device.branch + "/" + device.role + ", watermark " +
        std::to_string(device.watermark) + ")");

    for (;;) {
      pb::Envelope e = co_await ch.recv(kIdleTimeout);
      switch (e.msg_case()) {
        case pb::Envelope::kPush: co_await handlePush(ch, device, e.push()); break;
        case pb::Envelope::kPull: co_await handlePull(ch, device, e.pull()); break;
        case pb::Envelope::kBye: {
          pb::Envelope bye;
          bye.mutable_bye();
          co_await ch.send(bye, true);
          log(who + ": done");
          ch.close();
          co_return;
        }
        default: throw SessionError{Errc::malformed, "unexpected message " + std::to_string(e.msg_case())};
      }
    }
  } catch (const SessionError& e) {
    failure = e;
  } catch (const storage::StoreError& e) {
    failure = SessionError{e.busy ? Errc::unavailable : Errc::internal, e.what()};
  } catch (const boost::system::system_error& e) {
    log(who + ": disconnected (" + e.code().message() + ")");
  }
  if (failure) {
    log(who + ": refused: " + failure->message);
    if (ch.secured()) {  // tell the peer why, if it still listens
      pb::Envelope err;
      err.mutable_error()->set_code(wireCode(failure->code));
      err.mutable_error()->set_message(failure->message);
      try {
        co_await ch.send(err, true);
      } catch (const boost::system::system_error&) {
      }
    }
  }
  ch.close();
}

awaitable<Device> Server::Impl::authenticate(Channel& ch, const sync::ServerHandshake& hs, const std::string& who) {
  pb::Envelope e = co_await ch.recv(kHandshakeTimeout);
  auto held = lock();  // no co_await below
  const std::int64_t now = nowMs();
  const std::int64_t offset = hs.clientTimeMs() ? static_cast<std::int64_t>(hs.clientTimeMs()) - now : 0;
  if (e.msg_case() == pb::Envelope::kClientAuth) {
    auto node = Id::fromBytes(e.client_auth().node());
    if (!node) throw SessionError{Errc::malformed, "the device id is not 16 bytes"};
    auto device = store->device(*node);
    if (!device) throw SessionError{Errc::denied, "device " + node->hex() + " is not enrolled: enroll it first"};
    if (device->revoked_at) throw SessionError{Errc::denied, "device " + node->hex() + " has been revoked"};
    if (!hs.verifyClient(device->key, e.client_auth().signature()))
      throw SessionError{Errc::denied, "the device's handshake signature does not verify"};
    store->touch(*node, now, offset);
    device->last_contact = now;
    co_return *device;
  }
  if (e.msg_case() != pb::Envelope::kEnroll || !hs.enroll())
    throw SessionError{Errc::malformed, "the first message must authenticate the device"};
  const pb::Enroll& en = e.enroll();
  const sync::Hash token = sync::hashBytes(en.token());
  auto t = store->token(token);
  if (!t) throw SessionError{Errc::denied, "the enrollment token is not known to this server"};
  if (t->used) throw SessionError{Errc::denied, "the enrollment token has already been used"};
  if (t->expires_at < now) throw SessionError{Errc::denied, "the enrollment token has expired"};
  auto node = Id::fromBytes(en.node());
  auto key_bytes = sync::publicKeyFromBytes(en.sign_pk());
  if (!node || !key_bytes) throw SessionError{Errc::malformed, "the enrollment names a bad device id or key"};
  if (!hs.verifyClient(*key_bytes, en.signature()))
    throw SessionError{Errc::denied, "the enrolling device does not hold its key"};
  if (store->device(*node)) throw SessionError{Errc::refused, "device " + node->hex() + " is already enrolled"};
  Device d{*node, *key_bytes, t->branch, t->role, now, now, offset, 0, 0, 0, std::nullopt};
  auto tx = store->transaction();
  store->useToken(token, *node, now);
  store->addDevice(d);
  tx.commit();
  log(who + ": enrolled device " + node->hex() + " as " + d.branch + "/" + d.role);
  co_return d;
}

awaitable<void> Server::Impl::handlePush(Channel& ch, Device& device, const pb::Push& push) {
  if (!sync::verifySignature(device.key, push.batch(), push.signature()))
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
    if (op.id.seq == expect) ++expect;
  }
  {
    auto held = lock();
    auto tx = store->transaction();
    device.watermark = store->appendPush(device.node, *ops, push.batch(), push.signature(), nowMs());
    tx.commit();
    checkClock(device, *ops);
    if (auto ok = catchUp(); !ok) log("merging into merged.db failed (will retry): " + ok.error().message);
  }
  pb::Envelope ack;
  ack.mutable_push_ack()->set_watermark(device.watermark);
  co_await ch.send(ack);
}

// Ops stamped too far ahead of the server's clock are applied all the same
// (sync never stops for a bad clock) and raise one clock_skew per device.
void Server::Impl::checkClock(const Device& device, const std::vector<Op>& ops) {
  const std::int64_t now = nowMs();
  std::int64_t worst = 0;
  std::uint64_t count = 0, last = 0;
  for (const Op& op : ops) {
    const auto ahead = static_cast<std::int64_t>(sync::hlcMillis(op.hlc)) - now;
    if (ahead <= max_clock_ahead_ms) continue;
    worst = std::max(worst, ahead);
    ++count;
    last = op.id.seq;
  }
  if (!count) return;
  const std::string detail = std::to_string(count) + " ops up to seq " + std::to_string(last) + " stamped up to " +
                             std::to_string(worst / 60'000) + " minutes ahead of the server's clock";
  auto raised = node::Reconciler(*merged).raise(
      {"clock_skew", {device.node}, "device " + device.node.hex() + " (" + device.branch + "/" + device.role + ")",
       detail, "fix the device's clock (NTP, time zone); its ops were applied", static_cast<std::int64_t>(last)});
  if (!raised) log("raising clock_skew failed: " + raised.error().message);
  if (auto ok = forward(); !ok) log("forwarding exceptions failed: " + ok.error().message);
}

awaitable<void> Server::Impl::handlePull(Channel& ch, const Device& device, const pb::Pull& pull) {
  const std::size_t max_bytes = std::min<std::size_t>(pull.max_bytes() ? pull.max_bytes() : kMaxBatchBytes,
                                                      kMaxBatchBytes);
  auto held = lock();  // released before the reply is sent
  store->setCursor(device.node, pull.cursor());
  constexpr std::size_t kLimit = 40'000;  // halved below until the batch fits
  std::vector<LoggedOp> ops = store->opsAfter(pull.cursor(), device.node, kLimit);
  const bool full = ops.size() == kLimit;
  // Halve until the batch fits; then the reply says where it stopped.
  std::size_t n = ops.size();
  std::string batch;
  for (;;) {
    std::vector<Op> plain;
    for (std::size_t i = 0; i < n; ++i) plain.push_back(ops[i].op);
    batch = sync::encodeBatch(plain);
    if (batch.size() <= max_bytes || n <= 1) break;
    n /= 2;
  }
  const bool more = full || n < ops.size();
  pb::Envelope reply;
  auto* b = reply.mutable_pull_batch();
  b->set_batch(batch);
  // Unless cut short, everything up to the head was scanned (the device's
  // own ops are skipped, not sent).
  b->set_cursor(more ? ops[n - 1].server_seq : store->head());
  b->set_more(more);
  held.unlock();
  co_await ch.send(reply);
}

}  // namespace fieldsync::server
