// Session: the protocol of one connection (docs/protocol.md) over Asio
// coroutines on a strand, in the shape of Asio's chat_server example.
#include "server/internal/session.h"

#include "sync/codec.h"

namespace fieldsync::server {

using namespace fieldsync::net;
using asio::awaitable;
using asio::use_awaitable;
using sync::Errc;

namespace {

static_assert(pb::INVALID_INPUT == sync::wireNumber(Errc::invalid_input) &&
              pb::INTERNAL == sync::wireNumber(Errc::internal));
pb::ErrorCode wireCode(Errc c) { return static_cast<pb::ErrorCode>(sync::wireNumber(c)); }

}  // namespace

Session::Session(tcp::socket socket, Hub& hub, std::uint64_t number, Timeouts timeouts)
    : socket_(std::move(socket)),
      hub_(hub),
      timeouts_(timeouts),
      outbox_signal_(socket_.get_executor()),
      drained_signal_(socket_.get_executor()),
      watchdog_timer_(socket_.get_executor()),
      watch_timer_(socket_.get_executor()) {
  boost::system::error_code ec;
  const auto peer = socket_.remote_endpoint(ec);
  address_ = ec ? std::string("?") : peer.address().to_string();
  who_ = "session " + std::to_string(number) + " " + (ec ? address_ : address_ + ":" + std::to_string(peer.port()));
  outbox_signal_.expires_at(Clock::time_point::max());
  drained_signal_.expires_at(Clock::time_point::max());
  watchdog_timer_.expires_at(Clock::time_point::max());
}

void Session::start() {
  auto self = shared_from_this();
  // A coroutine that throws is logged and ends the session; nothing is lost
  // silently (in Asio 1.74 `detached` would swallow it).
  auto ended = [self](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      self->hub_.log(self->who_ + ": ended by " + ex.what(), LogLevel::error);
    }
    self->close();
  };
  asio::co_spawn(socket_.get_executor(), reader(), ended);
  asio::co_spawn(socket_.get_executor(), writer(), ended);
  asio::co_spawn(socket_.get_executor(), watchdog(), ended);
}

void Session::stop() {
  stopping_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  outbox_signal_.cancel();
  drained_signal_.cancel();
  watchdog_timer_.cancel();
  watch_timer_.cancel();
}

void Session::logGrew() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->watching_ || self->closed_) return;
    try {
      if (self->hub_.news(*self->device_info_, self->watch_)) self->answerWatch(true);
    } catch (const SessionError& e) {
      self->hub_.log(self->who_ + ": watch ended by " + e.message, LogLevel::error);
      self->close();
    }
  });
}

void Session::watch(const pb::Watch& w) {
  watch_.scanned = w.cursor();
  watching_ = true;
  const std::uint64_t number = ++watches_;
  if (hub_.news(*device_info_, watch_)) return answerWatch(true);
  const auto wait = w.max_ms() ? std::min(std::chrono::milliseconds(w.max_ms()), kMaxWatch) : kMaxWatch;
  watch_timer_.expires_after(wait);
  watch_timer_.async_wait([self = shared_from_this(), number](boost::system::error_code ec) {
    if (!ec && self->watching_ && self->watches_ == number && !self->closed_) self->answerWatch(false);
  });
}

void Session::answerWatch(bool news) {
  if (news) hub_.noticed();
  watching_ = false;
  watch_timer_.cancel();
  pb::Envelope notice;
  notice.mutable_notice()->set_head(hub_.head());
  notice.mutable_notice()->set_news(news);
  queueSealed(notice);
}

awaitable<void> Session::reader() {
  std::optional<SessionError> failure;
  try {
    co_await converse();
    co_return;  // said goodbye: the writer closes after the last frame
  } catch (const SessionError& e) {
    failure = e;
  } catch (const boost::system::system_error& e) {
    if (!closed_) hub_.log(who_ + ": disconnected (" + e.code().message() + ")");
  }
  if (failure) {
    hub_.log(who_ + ": refused: " + failure->message, LogLevel::warning);
    if (tx_ && !closed_) {  // tell the peer why; the writer closes after it
      // Before the device is admitted, one answer for every refusal: whether
      // a node id is enrolled or a token was used is for the log only.
      // A busy or full store is passed on (retry later), in words of its own.
      const bool busy = failure->code == Errc::unavailable;
      std::string says = admitted_ ? failure->message
                         : busy    ? "the server cannot store anything now (busy, or its disk is full); try again later"
                                   : "the server refused this device; its log says why";
      pb::Envelope err;
      err.mutable_error()->set_code(admitted_ || busy ? wireCode(failure->code) : pb::DENIED);
      err.mutable_error()->set_message(std::move(says));
      queueSealed(err, true);
      co_return;
    }
  }
  close();
}

awaitable<void> Session::converse() {
  const Clock::time_point admit_by = Clock::now() + timeouts_.handshake;
  sync::ServerHandshake hs(hub_.key());
  const std::string hello = co_await readFrame(admit_by, kMaxHandshakeFrame);
  auto server_hello = hs.onClientHello(hello, static_cast<std::uint64_t>(hub_.now()));
  if (!server_hello) {  // say why in clear (a version this server does not speak); the writer then closes
    hub_.log(who_ + ": refused: " + server_hello.error().message, LogLevel::warning);
    queue(sync::ServerHandshake::refusal(server_hello.error()), true);
    co_return;
  }
  queue(*server_hello);
  tx_ = std::make_unique<sync::StreamSender>(hs.keys().tx);
  queue(tx_->header());
  const std::string header = co_await readFrame(admit_by, kMaxHandshakeFrame);
  auto rx = sync::StreamReceiver::open(hs.keys().rx, header);
  if (!rx) throw SessionError{Errc::malformed, rx.error().message};
  rx_ = std::move(rx).value();

  const pb::Envelope first = co_await receive(admit_by, kMaxHandshakeFrame);
  Device device = hub_.admit(first, hs, who_);
  device_ = device.node;
  device_info_ = device;
  admitted_ = true;
  hub_.admitted(device.node);
  who_ += " device " + device.node.hex().substr(0, 8);
  pb::Envelope welcome;
  auto* w = welcome.mutable_welcome();
  w->set_watermark(device.watermark);
  w->set_head(hub_.head());
  w->set_server_time_ms(static_cast<std::uint64_t>(hub_.now()));
  w->set_branch(device.branch);
  w->set_role(device.role);
  w->set_person(device.person);
  w->set_log_id(hub_.logId());
  queueSealed(welcome);
  hub_.log(who_ + ": connected (" + device.branch + "/" + device.role + ", watermark " +
           std::to_string(device.watermark) + ")");

  for (;;) {
    co_await drained();
    const pb::Envelope e = co_await receive(Clock::now() + timeouts_.idle, sync::kMaxFrame);
    if (e.msg_case() == pb::Envelope::kWatchEnd) {  // late ones (the Notice went first) are ignored
      if (watching_) answerWatch(false);
      continue;
    }
    if (watching_) throw SessionError{Errc::malformed, "a request while a Watch is open; end it with WatchEnd first"};
    switch (e.msg_case()) {
      case pb::Envelope::kWatch: watch(e.watch()); break;
      case pb::Envelope::kPush: queueSealed(hub_.push(device, e.push(), scope_)); break;
      case pb::Envelope::kPull: queueSealed(hub_.pull(device, e.pull(), scope_)); break;
      case pb::Envelope::kRecover: queueSealed(hub_.recover(device, e.recover())); break;
      case pb::Envelope::kAttachmentPut: queueSealed(hub_.attachmentPut(device, e.attachment_put())); break;
      case pb::Envelope::kDevicesRequest: queueSealed(hub_.devices(device)); break;
      case pb::Envelope::kAttachmentGet: queueSealed(hub_.attachmentGet(device, e.attachment_get(), scope_)); break;
      case pb::Envelope::kBye: {
        pb::Envelope bye;
        bye.mutable_bye();
        queueSealed(bye, true);
        hub_.log(who_ + ": done");
        co_return;
      }
      default: throw SessionError{Errc::malformed, "unexpected message " + std::to_string(e.msg_case())};
    }
  }
}

awaitable<std::string> Session::readFrame(Clock::time_point deadline, std::size_t max) {
  read_deadline_ = deadline;
  deadlineChanged();
  std::uint8_t header[4];
  co_await asio::async_read(socket_, asio::buffer(header), use_awaitable);
  auto len = sync::frameLength(header);
  if (!len) throw SessionError{Errc::malformed, len.error().message};
  if (*len > max)
    throw SessionError{Errc::malformed, "a frame of " + std::to_string(*len) + " bytes exceeds the limit of " +
                                            std::to_string(max) + (admitted_ ? "" : " before authentication")};
  constexpr std::size_t kChunk = 64 * 1024;
  std::string body;
  while (body.size() < *len) {
    const std::size_t at = body.size(), n = std::min<std::size_t>(kChunk, *len - at);
    body.resize(at + n);
    co_await asio::async_read(socket_, asio::buffer(body.data() + at, n), use_awaitable);
  }
  read_deadline_ = Clock::time_point::max();
  co_return body;
}

awaitable<pb::Envelope> Session::receive(Clock::time_point deadline, std::size_t max) {
  const std::string sealed = co_await readFrame(deadline, max);
  auto plain = rx_->unseal(sealed);
  if (!plain) throw SessionError{Errc::malformed, plain.error().message};
  pb::Envelope e;
  if (!e.ParseFromString(*plain)) throw SessionError{Errc::malformed, "a message does not parse"};
  co_return e;
}

void Session::queue(std::string payload, bool final) {
  outbox_.push_back({sync::frame(payload), final});
  outbox_signal_.cancel_one();
}

void Session::queueSealed(const pb::Envelope& e, bool final) { queue(tx_->seal(e.SerializeAsString(), final), final); }

awaitable<void> Session::drained() {
  while (!outbox_.empty() && !closed_) {
    boost::system::error_code woken;
    co_await drained_signal_.async_wait(asio::redirect_error(use_awaitable, woken));
  }
}

awaitable<void> Session::writer() {
  try {
    while (!closed_) {
      if (outbox_.empty()) {
        boost::system::error_code woken;
        co_await outbox_signal_.async_wait(asio::redirect_error(use_awaitable, woken));
        continue;
      }
      const Frame f = std::move(outbox_.front());
      outbox_.pop_front();
      if (outbox_.empty()) drained_signal_.cancel();
      write_deadline_ = Clock::now() + timeouts_.write;
      deadlineChanged();
      co_await asio::async_write(socket_, asio::buffer(f.bytes), use_awaitable);
      write_deadline_ = Clock::time_point::max();
      if (f.final) break;
    }
  } catch (const boost::system::system_error&) {
    // The peer is gone; the reader's read fails too and says so.
  }
  close();
}

void Session::deadlineChanged() {
  if (std::min(read_deadline_, write_deadline_) < watchdog_timer_.expiry()) watchdog_timer_.cancel();
}

awaitable<void> Session::watchdog() {
  while (!closed_) {
    const Clock::time_point deadline = std::min(read_deadline_, write_deadline_);
    if (deadline <= Clock::now()) {
      hub_.log(who_ + ": timed out", LogLevel::warning);
      close();
      break;
    }
    watchdog_timer_.expires_at(deadline);
    boost::system::error_code woken;  // cancelled: a deadline moved closer, or the session closed
    co_await watchdog_timer_.async_wait(asio::redirect_error(use_awaitable, woken));
  }
}

}  // namespace fieldsync::server
