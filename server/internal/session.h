// Session: one device's connection, from the handshake to goodbye
// (docs/protocol.md). Internal to fieldsync::server.
//
// Accepted onto its own strand, a session runs three coroutines that each
// hold it alive (shared_from_this): the reader runs the handshake and then
// answers one request at a time through the Hub, reading the next only once
// the writer has taken the last reply (a peer that does not read cannot
// make replies pile up); the writer sends the frames the reader queued, in
// order, sealing none itself; the watchdog
// closes the socket when a read or a write passes its deadline. A deadline
// is a time point, re-read when the watchdog wakes, so an old deadline can
// never close a later read. Everything runs on the strand, so the session's
// state needs no lock. The Hub must outlive every session.
#pragma once

#include <chrono>
#include <cstdint>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "server/internal/hub.h"
#include "sync/net.h"

namespace fieldsync::server {

struct SessionTimeouts {
  std::chrono::steady_clock::duration handshake = std::chrono::seconds(20);  // from accept until the device is admitted
  std::chrono::steady_clock::duration idle = std::chrono::minutes(5);        // each read after that
  std::chrono::steady_clock::duration write = std::chrono::seconds(30);      // each write
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Clock = std::chrono::steady_clock;
  using Timeouts = SessionTimeouts;
  // `socket`'s executor must be a strand of its own.
  Session(net::tcp::socket socket, Hub& hub, std::uint64_t number, Timeouts timeouts = {});
  ~Session() { hub_.sessionClosed(); }
  void start();
  void stop();  // from any thread: ends the session; posted onto its strand
  // From the serving thread: the log grew. A session whose device watches
  // (docs/protocol.md, "Watch") answers with a Notice when the new ops are
  // in the device's scope; posted onto its strand.
  void logGrew();
  // How long a Watch may wait for news before it is answered all the same.
  static constexpr std::chrono::milliseconds kMaxWatch{60'000};
  const std::string& address() const { return address_; }  // the peer's IP address
  bool admitted() const { return admitted_; }               // past the handshake: a known device
  bool stopping() const { return stopping_; }               // stop() was called
  const sync::Id& device() const { return device_; }         // once admitted
  // Frames before the device is admitted hold a handshake message at most:
  // a peer that announces more is cut off before anything is reserved.
  static constexpr std::size_t kMaxHandshakeFrame = 4096;

 private:
  struct Frame {
    std::string bytes;
    bool final = false;  // the connection closes after it
  };
  net::asio::awaitable<void> reader();
  net::asio::awaitable<void> writer();
  net::asio::awaitable<void> watchdog();
  net::asio::awaitable<void> converse();  // the protocol; throws what ends it
  // A frame of at most `max` bytes, read by the deadline; memory grows with
  // the bytes that arrive, not with the length announced.
  net::asio::awaitable<std::string> readFrame(Clock::time_point deadline, std::size_t max);
  net::asio::awaitable<pb::Envelope> receive(Clock::time_point deadline, std::size_t max);
  net::asio::awaitable<void> drained();  // until the writer has taken every queued frame
  void queue(std::string payload, bool final = false);  // framed, for the writer
  void queueSealed(const pb::Envelope& e, bool final = false);
  void deadlineChanged();  // wakes the watchdog if the earliest deadline moved closer
  void watch(const pb::Watch& w);
  void answerWatch(bool news);  // the Notice that ends the open watch
  void close();

  net::tcp::socket socket_;
  Hub& hub_;
  const Timeouts timeouts_;
  std::string who_;  // "session N ADDRESS[ device XXXXXXXX]", for the log
  std::string address_;
  std::atomic<bool> admitted_{false}, stopping_{false};
  sync::Id device_;
  std::deque<Frame> outbox_;
  net::asio::steady_timer outbox_signal_;   // cancelled when the outbox grows or the session closes
  net::asio::steady_timer drained_signal_;  // cancelled when the outbox empties or the session closes
  net::asio::steady_timer watchdog_timer_;
  Clock::time_point read_deadline_ = Clock::time_point::max(), write_deadline_ = Clock::time_point::max();
  std::unique_ptr<sync::StreamSender> tx_;
  std::unique_ptr<sync::StreamReceiver> rx_;
  bool closed_ = false;
  ScopeState scope_;
  std::optional<Device> device_info_;  // once admitted, as admitted
  bool watching_ = false;
  std::uint64_t watches_ = 0;  // Watches seen: a timer of an ended one finds a later number
  WatchState watch_;
  net::asio::steady_timer watch_timer_;
};

}  // namespace fieldsync::server
