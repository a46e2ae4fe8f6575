#include "node/sync_client.h"

#include <cstdio>
#include <thread>
#include <functional>
#include <filesystem>

#include "fieldsync.pb.h"
#include "node/attachments.h"
#include "node/key_file.h"
#include "sync/codec.h"
#include "sync/crypto.h"
#include "sync/net.h"
#include "sync/ticket.h"

namespace fieldsync::node {

namespace pb = fieldsync::v1;
using namespace fieldsync::net;
using sync::Errc;
using sync::Error;

namespace {

constexpr std::size_t kMaxBatchBytes = 1u << 20;
constexpr std::size_t kMaxBatchOps = 40'000;  // halved until the batch fits in kMaxBatchBytes
constexpr std::size_t kAttachmentPiece = 256 * 1024;  // docs/protocol.md, "Attachments"

std::uint64_t nowMs() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Errc fromWire(pb::ErrorCode c) { return sync::fromWireNumber(c); }

// A blocking connection with a timeout on every operation.
class Connection {
 public:
  explicit Connection(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  sync::Status connect(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return sync::fail(Errc::unavailable, "cannot resolve " + host + ": " + ec.message());
    ec = run([&](auto done) { asio::async_connect(socket_, endpoints, [done](auto e, const auto&) { done(e); }); });
    if (ec) return sync::fail(Errc::unavailable, "cannot reach the server at " + host + ":" + std::to_string(port) +
                                                     " (" + ec.message() + ")");
    socket_.set_option(tcp::no_delay(true), ec);  // small frames in lockstep: no Nagle delay
    return {};
  }

  sync::Status write(std::string_view payload) {
    const std::string f = sync::frame(payload);
    const auto ec = run([&](auto done) {
      asio::async_write(socket_, asio::buffer(f), [done](auto e, std::size_t) { done(e); });
    });
    if (ec) return sync::fail(Errc::unavailable, "the connection broke while sending (" + ec.message() + ")");
    bytes_out += f.size();
    return {};
  }

  sync::Result<std::string> read() {
    std::uint8_t header[4];
    auto ec = run([&](auto done) {
      asio::async_read(socket_, asio::buffer(header), [done](auto e, std::size_t) { done(e); });
    });
    if (ec) return sync::fail(Errc::unavailable, "the connection broke while receiving (" + ec.message() + ")");
    auto len = sync::frameLength(header);
    if (!len) return len.error();
    std::string body(*len, '\0');
    ec = run([&](auto done) {
      asio::async_read(socket_, asio::buffer(body), [done](auto e, std::size_t) { done(e); });
    });
    if (ec) return sync::fail(Errc::unavailable, "the connection broke while receiving (" + ec.message() + ")");
    bytes_in += 4 + body.size();
    return body;
  }

  // True once something can be read, false when `d` passed first.
  sync::Result<bool> readable(std::chrono::milliseconds d) {
    std::optional<boost::system::error_code> result;
    socket_.async_wait(tcp::socket::wait_read, [&result](boost::system::error_code e) { result = e; });
    io_.restart();
    io_.run_for(d);
    if (!result) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      io_.restart();
      io_.run();
    }
    if (*result == asio::error::operation_aborted) return false;
    if (*result) return sync::fail(Errc::unavailable, "the connection broke while waiting (" + result->message() + ")");
    return true;
  }

  std::chrono::milliseconds timeout() const { return timeout_; }

  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

  std::uint64_t bytes_out = 0, bytes_in = 0;

 private:
  // Starts one async operation and runs it to completion or the timeout.
  template <class Start>
  boost::system::error_code run(Start start) {
    std::optional<boost::system::error_code> result;
    start([&result](boost::system::error_code e) { result = e; });
    io_.restart();
    io_.run_for(timeout_);
    if (!result) {
      close();
      io_.restart();
      io_.run();
      return asio::error::timed_out;
    }
    return *result;
  }

  std::chrono::milliseconds timeout_;
  asio::io_context io_;
  tcp::socket socket_{io_};
};

// The part common to enrolling and syncing: connect, handshake, channel.
struct Channel {
  Connection conn;
  std::unique_ptr<sync::StreamSender> tx;
  std::unique_ptr<sync::StreamReceiver> rx;
  std::unique_ptr<sync::ClientHandshake> hs;
  std::int64_t clock_offset_ms = 0;  // our clock minus the server's, at the midpoint of the hello's round trip
  std::function<std::uint64_t()> clock = nowMs;  // ours: the node's own when it has one

  explicit Channel(std::chrono::milliseconds timeout) : conn(timeout) {}

  sync::Status open(const std::string& host, std::uint16_t port, const sync::PublicKey& server_key, bool enroll) {
    if (auto ok = conn.connect(host, port); !ok) return ok;
    const std::uint64_t sent = clock();
    hs = std::make_unique<sync::ClientHandshake>(server_key, enroll, sent);
    if (auto ok = conn.write(hs->hello()); !ok) return ok;
    auto server_hello = conn.read();
    if (!server_hello) return server_hello.error();
    const std::uint64_t received = clock();
    auto keys = hs->onServerHello(*server_hello);
    if (!keys) return keys.error();
    clock_offset_ms = static_cast<std::int64_t>((sent + received) / 2) - static_cast<std::int64_t>(hs->serverTimeMs());
    auto header = conn.read();
    if (!header) return header.error();
    auto receiver = sync::StreamReceiver::open(keys->rx, *header);
    if (!receiver) return receiver.error();
    rx = std::move(receiver).value();
    tx = std::make_unique<sync::StreamSender>(keys->tx);
    return conn.write(tx->header());
  }

  sync::Status send(const pb::Envelope& e, bool final = false) { return conn.write(tx->seal(e.SerializeAsString(), final)); }

  // The next message; an Error from the server becomes an error here.
  sync::Result<pb::Envelope> recv() {
    auto sealed = conn.read();
    if (!sealed) return sealed.error();
    auto plain = rx->unseal(*sealed);
    if (!plain) return plain.error();
    pb::Envelope e;
    if (!e.ParseFromString(*plain)) return sync::fail(Errc::malformed, "a message from the server does not parse");
    if (e.has_error()) return sync::fail(fromWire(e.error().code()), "the server says: " + e.error().message());
    return e;
  }
};

sync::Result<pb::Welcome> expectWelcome(Channel& ch) {
  auto e = ch.recv();
  if (!e) return e.error();
  if (!e->has_welcome()) return sync::fail(Errc::malformed, "the server did not welcome this device");
  return e->welcome();
}

// Who the server says this device is: the node judges its own commands
// by it (node/rights.h). Written when it changed only.
Status keepEnrollment(Node& node, const pb::Welcome& w) {
  for (auto [k, v] : {std::pair<const char*, const std::string&>{"sync.branch", w.branch()},
                      {"sync.role", w.role()},
                      {"sync.person", w.person()}}) {
    auto now = node.setting(k);
    if (!now) return now.error();
    if (*now != v)
      if (auto ok = node.setSetting(k, v); !ok) return ok;
  }
  return {};
}

}  // namespace

std::string keyPathFor(const std::string& db_path) { return db_path + ".key"; }

Result<Enrolled> enroll(const std::string& db_path, std::string_view ticket_text, std::chrono::milliseconds timeout) {
  auto ticket = sync::decodeTicket(ticket_text);
  if (!ticket) return ticket.error();
  std::error_code ec;
  const bool existed = std::filesystem::exists(db_path, ec);
  auto opened = existed ? Node::open(db_path) : Node::init(db_path, ticket->company);
  if (!opened) return opened.error();
  Node& node = **opened;
  const std::string key_path = keyPathFor(db_path);
  if (existed) {
    auto server = node.setting("sync.server");
    if (!server) return server.error();
    if (!server->empty()) return sync::fail(Errc::refused, "this node is already enrolled with " + *server);
    if (sync::normaliseSerial(ticket->company) != node.company())
      return sync::fail(Errc::refused, "the enrollment is for company " + ticket->company + ", this node works for " +
                                           std::string(node.company()));
  }
  // A key left by an attempt the network cut short is used again, so that
  // the server, which may have enrolled it, knows it (docs/protocol.md).
  const bool had_key = existed && std::filesystem::exists(key_path, ec);
  auto key = had_key ? readKeyFile(key_path) : Result<sync::SigningKey>(sync::SigningKey::generate());
  if (!key) return key.error();
  if (!had_key)
    if (auto ok = writeKeyFile(key_path, *key, false); !ok) return ok.error();
  // A refusal is final: what this attempt made goes. A network failure is
  // not: the node and its key stay for the next attempt.
  auto fail = [&](Error e) -> Result<Enrolled> {
    if (sync::nextStep(e.code) == sync::NextStep::retry || sync::nextStep(e.code) == sync::NextStep::restart) {
      e.message += "; this device keeps its key: run the same enroll command again";
      return e;
    }
    if (!had_key) std::filesystem::remove(key_path, ec);
    if (!existed) {
      opened->reset();
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix, ec);
    }
    return e;
  };
  Channel ch(timeout);
  if (auto ok = ch.open(ticket->host, ticket->port, ticket->server_key, true); !ok) return fail(ok.error());
  pb::Envelope e;
  auto* en = e.mutable_enroll();
  en->set_token(ticket->token);
  en->set_node(std::string(node.nodeId().view()));
  en->set_sign_pk(std::string(reinterpret_cast<const char*>(key->publicKey().data()), key->publicKey().size()));
  en->set_signature(ch.hs->clientSignature(*key, node.nodeId()));
  if (auto ok = ch.send(e); !ok) return fail(ok.error());
  auto welcome = expectWelcome(ch);
  if (!welcome) return fail(welcome.error());
  for (auto [k, v] : {std::pair<const char*, std::string>{"sync.server", sync::Address{ticket->host, ticket->port}.text()},
                      {"sync.server_key", sync::toHex(ticket->server_key)}})
    if (auto ok = node.setSetting(k, v); !ok) return fail(ok.error());
  if (auto ok = keepEnrollment(node, *welcome); !ok) return fail(ok.error());
  pb::Envelope bye;
  bye.mutable_bye();
  (void)ch.send(bye, true);
  ch.conn.close();
  return Enrolled{node.nodeId(), sync::Address{ticket->host, ticket->port}.text(), std::string(node.company()),
                  welcome->branch(), welcome->role(), welcome->person(), sync::toHex(ticket->server_key)};
}

struct SyncSession::Impl {
  Node& node;
  sync::SigningKey key;
  sync::PublicKey server_key{};  // pinned at enrollment; pushed batches are signed for it
  Channel ch;
  pb::Welcome welcome;
  std::int64_t clock_offset_ms = 0;
  bool closed = false;

  Impl(Node& n, sync::SigningKey k, std::chrono::milliseconds timeout) : node(n), key(std::move(k)), ch(timeout) {}

  Result<std::uint64_t> push(std::uint64_t& watermark, SyncProgress& p, const ProgressFn& progress);
  Result<std::uint64_t> send(const std::string& batch);
  Result<std::uint64_t> pull(SyncReport& r, SyncProgress& p, const ProgressFn& progress);
  Result<Node::Recovered> recover(std::uint64_t after);
};

SyncSession::SyncSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SyncSession::~SyncSession() { close(); }

Result<std::unique_ptr<SyncSession>> SyncSession::connect(Node& node, const std::string& db_path,
                                                          std::chrono::milliseconds timeout) {
  auto server = node.setting("sync.server");
  auto server_key_hex = node.setting("sync.server_key");
  if (!server) return server.error();
  if (!server_key_hex) return server_key_hex.error();
  if (server->empty())
    return sync::fail(Errc::refused, "this node is not enrolled: run 'fieldsync --db FILE enroll STRING' with a "
                                     "string from 'fieldsync-server enroll-token'");
  auto address = sync::parseAddress(*server);
  auto key_bytes = sync::fromHex(*server_key_hex);
  if (!address || !key_bytes)
    return sync::fail(Errc::internal, "the sync settings are damaged (sync.server '" + *server +
                                          "'); enroll this node again");
  auto server_key = sync::publicKeyFromBytes(*key_bytes);
  if (!server_key) return server_key.error();
  auto key = readKeyFile(keyPathFor(db_path));
  if (!key) return key.error();
  auto impl = std::make_unique<Impl>(node, std::move(key).value(), timeout);
  impl->server_key = *server_key;
  impl->ch.clock = [&node] { return static_cast<std::uint64_t>(node.now()); };
  if (auto ok = impl->ch.open(address->host, address->port, *server_key, false); !ok) return ok.error();
  pb::Envelope auth;
  auth.mutable_client_auth()->set_node(std::string(node.nodeId().view()));
  auth.mutable_client_auth()->set_signature(impl->ch.hs->clientSignature(impl->key, node.nodeId()));
  if (auto own = node.ownSeq()) auth.mutable_client_auth()->set_own_seq(*own);
  if (auto ok = impl->ch.send(auth); !ok) return ok.error();
  auto welcome = expectWelcome(impl->ch);
  if (!welcome) return welcome.error();
  if (auto ok = keepEnrollment(node, *welcome); !ok) return ok.error();
  impl->welcome = *welcome;
  impl->clock_offset_ms = impl->ch.clock_offset_ms;
  return std::unique_ptr<SyncSession>(new SyncSession(std::move(impl)));
}

Result<std::uint64_t> SyncSession::Impl::push(std::uint64_t& watermark, SyncProgress& p, const ProgressFn& progress) {
  auto own = node.ownSeq();
  if (!own) return own.error();
  p.to_push = *own > watermark ? *own - watermark : 0;
  std::uint64_t pushed = 0;
  while (watermark < *own) {
    auto ops = node.opsOf(node.nodeId(), watermark, kMaxBatchOps);
    if (!ops) return ops.error();
    if (ops->empty()) break;
    std::size_t n = ops->size();
    std::string batch;
    for (;;) {
      batch = sync::encodeBatch(std::span(*ops).subspan(0, n));
      if (batch.size() <= kMaxBatchBytes || n <= 1) break;
      n /= 2;
    }
    auto sent = send(batch);
    if (!sent) return sent.error();
    const std::uint64_t acked = *sent;
    if (acked <= watermark) return sync::fail(Errc::malformed, "the server's watermark did not advance");
    pushed += acked - watermark;
    watermark = acked;
    if (auto ok = node.setSetting("sync.acked", std::to_string(watermark)); !ok) return ok.error();
    p.pushed = pushed;
    if (progress) progress(p);
  }
  return pushed;
}

Result<std::uint64_t> SyncSession::Impl::send(const std::string& batch) {
  pb::Envelope e;
  e.mutable_push()->set_batch(batch);
  const sync::Hash digest = sync::batchDigest(server_key, node.company(), node.nodeId(), batch);
  e.mutable_push()->set_signature(key.sign(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())));
  if (auto ok = ch.send(e); !ok) return ok.error();
  auto reply = ch.recv();
  if (!reply) return reply.error();
  if (!reply->has_push_ack()) return sync::fail(Errc::malformed, "the server did not acknowledge a push");
  return reply->push_ack().watermark();
}

Result<std::uint64_t> SyncSession::pushBatch(std::span<const sync::Op> ops) {
  return impl_->send(sync::encodeBatch(ops));
}

Result<std::uint64_t> SyncSession::Impl::pull(SyncReport& r, SyncProgress& p, const ProgressFn& progress) {
  std::uint64_t pulled = 0;
  std::uint64_t& cursor = r.cursor;
  for (;;) {
    pb::Envelope e;
    e.mutable_pull()->set_cursor(cursor);
    e.mutable_pull()->set_max_bytes(static_cast<std::uint32_t>(kMaxBatchBytes));
    if (auto ok = ch.send(e); !ok) return ok.error();
    auto reply = ch.recv();
    if (!reply) return reply.error();
    if (!reply->has_pull_batch()) return sync::fail(Errc::malformed, "the server did not answer a pull");
    if (reply->pull_batch().reset()) {  // restored from a backup: the scope comes anew
      if (auto ok = node.forgetPulled(); !ok) return ok.error();
      cursor = 0;
      continue;
    }
    auto ops = sync::decodeBatch(reply->pull_batch().batch());
    if (!ops) return ops.error();
    if (const auto& dropped = reply->pull_batch().dropped(); !dropped.empty()) {
      std::vector<sync::Id> ids;
      for (const std::string& bytes : dropped) {
        auto id = sync::Id::fromBytes(bytes);
        if (!id) return sync::fail(Errc::malformed, "the server named an entity to drop that is not 16 bytes");
        ids.push_back(*id);
      }
      if (auto ok = node.dropEntities(ids); !ok) return ok.error();
      r.dropped += ids.size();
    }
    if (auto ok = node.applyPulled(*ops, reply->pull_batch().cursor()); !ok) return ok.error();
    cursor = reply->pull_batch().cursor();
    pulled += ops->size();
    p.pulled = pulled;
    if (progress) progress(p);
    if (!reply->pull_batch().more()) return pulled;
  }
}

Result<SyncSession::PieceAck> SyncSession::putAttachment(const sync::Hash& h, std::string_view type,
                                                         std::uint64_t size, std::uint64_t offset,
                                                         std::string_view data) {
  pb::Envelope e;
  auto* put = e.mutable_attachment_put();
  put->set_hash(h.data(), h.size());
  put->set_type(std::string(type));
  put->set_size(size);
  put->set_offset(offset);
  put->set_data(data.data(), data.size());
  if (auto ok = impl_->ch.send(e); !ok) return ok.error();
  auto reply = impl_->ch.recv();
  if (!reply) return reply.error();
  if (!reply->has_attachment_ack()) return sync::fail(Errc::malformed, "the server did not acknowledge an attachment");
  return PieceAck{reply->attachment_ack().held(), reply->attachment_ack().complete()};
}

Result<SyncSession::Piece> SyncSession::getAttachment(const sync::Hash& h, std::uint64_t offset) {
  pb::Envelope e;
  e.mutable_attachment_get()->set_hash(h.data(), h.size());
  e.mutable_attachment_get()->set_offset(offset);
  if (auto ok = impl_->ch.send(e); !ok) return ok.error();
  auto reply = impl_->ch.recv();
  if (!reply) return reply.error();
  if (!reply->has_attachment_data()) return sync::fail(Errc::malformed, "the server did not answer for an attachment");
  const auto& d = reply->attachment_data();
  return Piece{d.available(), d.type(), d.size(), d.offset(), d.data()};
}

Result<std::vector<DeviceInfo>> SyncSession::devices() {
  pb::Envelope e;
  e.mutable_devices_request();
  if (auto ok = impl_->ch.send(e); !ok) return ok.error();
  auto reply = impl_->ch.recv();
  if (!reply) return reply.error();
  if (!reply->has_device_list()) return sync::fail(Errc::malformed, "the server did not list the devices");
  std::vector<DeviceInfo> out;
  for (const auto& d : reply->device_list().devices()) {
    auto id = sync::Id::fromBytes(d.node());
    if (!id) return sync::fail(Errc::malformed, "the server listed a device id that is not 16 bytes");
    out.push_back({*id, d.branch(), d.role(), d.person(), static_cast<std::int64_t>(d.enrolled_at_ms()),
                   static_cast<std::int64_t>(d.last_contact_ms()), d.clock_offset_ms(),
                   d.revoked_at_ms() ? std::optional<std::int64_t>(static_cast<std::int64_t>(d.revoked_at_ms()))
                                     : std::nullopt});
  }
  std::sort(out.begin(), out.end(), [](const DeviceInfo& a, const DeviceInfo& b) { return a.node < b.node; });
  return out;
}

// Own attachments the server lacks, after the ops that refer to them: each
// from where the server stopped (it says so when asked with an empty piece).
Status SyncSession::sendAttachments(std::uint64_t watermark, SyncReport& r) {
  Attachments attachments(impl_->node);
  auto todo = attachments.toSend(watermark);
  if (!todo) return todo.error();
  for (const sync::Hash& h : *todo) {
    auto bytes = attachments.bytes(attachmentRef(h));
    if (!bytes) return bytes.error();
    auto type = attachmentType("attachment", *bytes);
    if (!type) return type.error();
    for (std::string_view piece;;) {
      const std::uint64_t offset = piece.empty() ? 0 : static_cast<std::uint64_t>(piece.data() - bytes->data());
      auto ack = putAttachment(h, *type, bytes->size(), offset, piece);
      if (!ack) return ack.error();
      if (ack->complete) break;
      if (ack->held >= bytes->size()) return sync::fail(Errc::malformed, "the server's attachment acknowledgement does not fit");
      piece = std::string_view(*bytes).substr(ack->held, kAttachmentPiece);
    }
    if (auto ok = attachments.markSent(h); !ok) return ok;
    ++r.attachments_sent;
  }
  return {};
}

// Attachments that facts held here refer to and that are not here yet,
// each from where an earlier sync stopped; one the server does not hold
// yet (its maker has not sent it) waits for a later sync.
Status SyncSession::fetchAttachments(SyncReport& r) {
  Attachments attachments(impl_->node);
  auto wanted = attachments.wanted();
  if (!wanted) return wanted.error();
  for (const auto& w : *wanted) {
    for (std::uint64_t offset = w.held;;) {
      auto piece = getAttachment(w.hash, offset);
      if (!piece) return piece.error();
      if (!piece->available) {
        ++r.attachments_waiting;
        break;
      }
      if (piece->offset != offset || (piece->data.empty() && offset < piece->size))
        return sync::fail(Errc::malformed, "the server sent an attachment from the wrong place");
      if (auto ok = attachments.receive(w.hash, piece->type, piece->size, offset, piece->data); !ok) return ok;
      offset += piece->data.size();
      if (offset >= piece->size) {
        ++r.attachments_received;
        break;
      }
    }
  }
  return {};
}

// The server holds more of this node's ops than this database knows were
// acknowledged: take them back (they are the same ops after a crash that
// lost the acknowledgement; other ones after a restore from a backup).
Result<Node::Recovered> SyncSession::Impl::recover(std::uint64_t after) {
  std::vector<sync::Op> theirs;
  for (;;) {
    pb::Envelope e;
    e.mutable_recover()->set_after_seq(after);
    if (auto ok = ch.send(e); !ok) return ok.error();
    auto reply = ch.recv();
    if (!reply) return reply.error();
    if (!reply->has_pull_batch()) return sync::fail(Errc::malformed, "the server did not answer a recovery");
    auto ops = sync::decodeBatch(reply->pull_batch().batch());
    if (!ops) return ops.error();
    theirs.insert(theirs.end(), ops->begin(), ops->end());
    if (!reply->pull_batch().more()) break;
    if (reply->pull_batch().cursor() <= after) return sync::fail(Errc::malformed, "the server's recovery did not advance");
    after = reply->pull_batch().cursor();
  }
  return node.recoverOwnOps(theirs);
}

Result<SyncReport> SyncSession::round(const ProgressFn& progress) {
  if (impl_->closed) return sync::fail(Errc::internal, "the session is closed");
  SyncReport r;
  SyncProgress p;
  const std::uint64_t out_before = impl_->ch.conn.bytes_out, in_before = impl_->ch.conn.bytes_in;
  r.watermark = impl_->welcome.watermark();
  auto cursor = impl_->node.settingNumber("sync.cursor");
  if (!cursor) return cursor.error();
  r.cursor = *cursor;
  // A server restored from a backup has a new log: its sequence numbers are
  // not those the cursor counted, so pull everything in scope again.
  const std::string log_id = sync::toHex(impl_->welcome.log_id());
  auto known_log = impl_->node.setting("sync.log_id");
  if (!known_log) return known_log.error();
  if (!known_log->empty() && *known_log != log_id) r.cursor = 0;
  auto acked = impl_->node.settingNumber("sync.acked");
  if (!acked) return acked.error();
  if (r.watermark > *acked) {
    auto recovered = impl_->recover(*acked);
    if (!recovered) return recovered.error();
    r.recovered = recovered->taken;
    r.renumbered = recovered->renumbered;
    r.renamed = recovered->renamed;
    if (auto ok = impl_->node.setSetting("sync.acked", std::to_string(r.watermark)); !ok) return ok.error();
  }
  auto pushed = impl_->push(r.watermark, p, progress);
  if (!pushed) return pushed.error();
  impl_->welcome.set_watermark(r.watermark);
  if (auto ok = sendAttachments(r.watermark, r); !ok) return ok.error();
  auto pulled = impl_->pull(r, p, progress);
  if (!pulled) return pulled.error();
  if (auto ok = fetchAttachments(r); !ok) return ok.error();
  r.pushed = *pushed;
  r.pulled = *pulled;
  r.clock_offset_ms = impl_->clock_offset_ms;
  r.bytes_out = impl_->ch.conn.bytes_out - out_before;
  r.bytes_in = impl_->ch.conn.bytes_in - in_before;
  for (auto [k, v] : {std::pair<const char*, std::string>{"sync.last", std::to_string(nowMs())},
                      {"sync.clock_offset_ms", std::to_string(r.clock_offset_ms)},
                      {"sync.log_id", log_id}})
    if (auto ok = impl_->node.setSetting(k, v); !ok) return ok.error();
  return r;
}

Result<bool> SyncSession::watch(std::chrono::milliseconds max, const std::function<bool()>& interrupt) {
  if (impl_->closed) return sync::fail(Errc::internal, "the session is closed");
  auto cursor = impl_->node.settingNumber("sync.cursor");
  if (!cursor) return cursor.error();
  pb::Envelope e;
  e.mutable_watch()->set_cursor(*cursor);
  e.mutable_watch()->set_max_ms(static_cast<std::uint32_t>(std::clamp<std::int64_t>(max.count(), 1, 60'000)));
  if (auto ok = impl_->ch.send(e); !ok) return ok.error();
  // The server answers by max_ms; a silent one is given the usual timeout beyond.
  const auto give_up = std::chrono::steady_clock::now() + std::min(max, std::chrono::milliseconds(60'000)) +
                       impl_->ch.conn.timeout();
  for (bool ended = false;;) {
    auto ready = impl_->ch.conn.readable(std::chrono::milliseconds(20));
    if (!ready) return ready.error();
    if (*ready) break;
    if (std::chrono::steady_clock::now() > give_up)
      return sync::fail(Errc::unavailable, "the server did not answer a watch");
    if (!ended && interrupt && interrupt()) {
      pb::Envelope end;
      end.mutable_watch_end();
      if (auto ok = impl_->ch.send(end); !ok) return ok.error();
      ended = true;
    }
  }
  auto reply = impl_->ch.recv();
  if (!reply) return reply.error();
  if (!reply->has_notice()) return sync::fail(Errc::malformed, "the server did not answer a watch");
  return reply->notice().news();
}

void SyncSession::close() {
  if (!impl_ || impl_->closed) return;
  impl_->closed = true;
  pb::Envelope bye;
  bye.mutable_bye();
  if (impl_->ch.send(bye, true)) (void)impl_->ch.recv();
  impl_->ch.conn.close();
}

}  // namespace fieldsync::node

namespace fieldsync::node {

SyncLoop::SyncLoop(Node& node, std::string db_path, Events events, std::chrono::milliseconds interval)
    : node_(node), db_path_(std::move(db_path)), events_(std::move(events)), interval_(interval) {}

void SyncLoop::pause(std::chrono::milliseconds d) {
  constexpr auto kSlice = std::chrono::milliseconds(20);
  for (auto left = d; left.count() > 0 && !stop_ && !wake_; left -= kSlice) std::this_thread::sleep_for(kSlice);
  wake_ = false;
}

Status SyncLoop::run() {
  std::chrono::milliseconds backoff(1000);
  // What a retry may cure waits, longer each time; anything else ends the loop.
  auto retry = [&](const Error& e) {
    const auto next = sync::nextStep(e.code);
    if (next != sync::NextStep::retry && next != sync::NextStep::restart) return false;
    if (events_.failed) events_.failed(e, backoff);
    pause(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30'000));
    return true;
  };
  while (!stop_) {
    wake_ = false;
    auto session = SyncSession::connect(node_, db_path_);
    if (!session) {
      if (!retry(session.error())) return session.error();
      continue;
    }
    if (events_.connected) events_.connected();
    while (!stop_) {
      auto report = (*session)->round(events_.progress);
      if (report && events_.after_round)
        if (auto ok = events_.after_round(**session); !ok) report = ok.error();
      if (!report) {
        (*session)->close();  // not held open while it waits
        if (!retry(report.error())) return report.error();
        break;
      }
      backoff = std::chrono::milliseconds(1000);
      if (events_.synced) events_.synced(*report);
      // Until the server has news, this node a new op (this process's
      // wake(), or another process's command: its own seq grew), or `interval_`.
      const std::uint64_t watermark = report->watermark;
      int ticks = 0;
      bool changed = false;
      auto local = [&] {
        if (!changed && (stop_ || wake_)) changed = true;
        if (!changed && ++ticks % 5 == 0) {  // the database every 100 ms
          auto own = node_.ownSeq();
          changed = !own || *own > watermark;
        }
        return changed;
      };
      const auto until = std::chrono::steady_clock::now() + interval_;
      Result<bool> news = false;
      while (!changed) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        news = (*session)->watch(left, local);
        if (!news || *news) break;
      }
      if (!news) {
        (*session)->close();
        if (!retry(news.error())) return news.error();
        break;
      }
    }
  }
  return {};
}

}  // namespace fieldsync::node
