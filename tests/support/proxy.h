// A man in the middle for protocol tests, on 127.0.0.1: forwards one
// connection at a time to a target port, and can cut the connection after a
// number of bytes (counted in both directions) or a number of server
// frames, or rewrite client-to-server frames. Blocking sockets, one thread per direction; stops by itself when
// destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "sync/net.h"

namespace fieldsync::test {

class Proxy {
 public:
  // Called with the index (0, 1, ...) and bytes of each client frame; returns
  // the frames to send instead (empty: drop it), or nullopt to cut.
  using FrameHook = std::function<std::optional<std::string>(int index, const std::string& frame)>;

  explicit Proxy(std::uint16_t target) : target_(target) {
    acceptor_.open(net::tcp::v4());
    acceptor_.bind({net::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~Proxy() {
    stop_ = true;
    // A blocking accept() does not wake when the acceptor is closed from
    // another thread: connect once so that it returns and sees stop_.
    net::asio::io_context io;
    net::tcp::socket wake(io);
    boost::system::error_code ec;
    wake.connect({net::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  void cutAfter(std::size_t bytes) { budget_ = bytes; }
  // Passes this many frames from the server on each connection, then cuts it.
  void cutAfterServerFrames(int frames) { server_frames_ = frames; }
  void onClientFrame(FrameHook hook) {
    std::lock_guard lock(mutex_);
    hook_ = std::move(hook);
  }

 private:
  void serve() {
    while (!stop_) {
      net::tcp::socket client(io_);
      boost::system::error_code ec;
      acceptor_.accept(client, ec);
      if (ec || stop_) return;
      net::tcp::socket server(io_);
      server.connect({net::asio::ip::make_address("127.0.0.1"), target_}, ec);
      if (ec) continue;
      std::atomic<std::size_t> passed{0};
      auto shut = [&] {
        boost::system::error_code ignore;
        client.shutdown(net::tcp::socket::shutdown_both, ignore);
        server.shutdown(net::tcp::socket::shutdown_both, ignore);
      };
      // Sends as many of `bytes` as the budget allows; false once cut.
      auto pass = [&](net::tcp::socket& to, const std::string& bytes) {
        const std::size_t before = passed.fetch_add(bytes.size());
        const std::size_t allowed = before >= budget_ ? 0 : std::min(bytes.size(), budget_ - before);
        boost::system::error_code e;
        net::asio::write(to, net::asio::buffer(bytes.data(), allowed), e);
        if (allowed < bytes.size() || e) {
          shut();
          return false;
        }
        return true;
      };
      std::thread down([&] {  // server to client: frame by frame
        for (int index = 0;; ++index) {  // the first frame over the limit is read, then dropped
          auto f = readFrame(server);
          if (!f || index >= server_frames_ || !pass(client, *f)) break;
        }
        shut();
      });
      for (int index = 0;; ++index) {  // client to server: frame by frame
        auto f = readFrame(client);
        if (!f) break;
        std::optional<std::string> out = *f;
        {
          std::lock_guard lock(mutex_);
          if (hook_) out = hook_(index, *f);
        }
        if (!out || !pass(server, *out)) break;
      }
      shut();
      down.join();
    }
  }

  // One length-prefixed frame, its header included; nothing once the peer is gone.
  static std::optional<std::string> readFrame(net::tcp::socket& from) {
    std::string frame(4, '\0');
    boost::system::error_code e;
    net::asio::read(from, net::asio::buffer(frame), e);
    if (e) return std::nullopt;
    const std::size_t len = (std::size_t(std::uint8_t(frame[0])) << 24) | (std::size_t(std::uint8_t(frame[1])) << 16) |
                            (std::size_t(std::uint8_t(frame[2])) << 8) | std::size_t(std::uint8_t(frame[3]));
    frame.resize(4 + len);
    net::asio::read(from, net::asio::buffer(frame.data() + 4, len), e);
    if (e) return std::nullopt;
    return frame;
  }

  std::uint16_t target_, port_ = 0;
  net::asio::io_context io_;
  net::tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> budget_{SIZE_MAX};
  std::atomic<int> server_frames_{INT32_MAX};
  std::mutex mutex_;
  FrameHook hook_;  // guarded by mutex_
};

}  // namespace fieldsync::test
