// A man in the middle for protocol tests, on 127.0.0.1: forwards one
// connection at a time to a target port, and can cut the connection after a
// number of bytes (counted in both directions) or a number of server
// frames, rewrite client-to-server frames, or inject seeded faults into
// every frame in both directions (delays, cuts, truncations, flipped bits).
// Blocking sockets, one thread per direction; stops by itself when
// destroyed.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
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
  // From now on each frame, either way, meets a fault with probability
  // `rate`: a flipped bit, a truncation (then the cut), a cut before it, or
  // a delay of up to 20 ms; the choices follow `seed`. A rate of 0 stops it.
  void faults(std::uint64_t seed, double rate) {
    std::lock_guard lock(mutex_);
    rng_.seed(seed);
    rate_ = rate;
  }
  // Faults injected so far: bits flipped, connections cut in a frame, cut before one, frames delayed.
  std::array<std::size_t, 4> injected() const {
    return {injected_[0].load(), injected_[1].load(), injected_[2].load(), injected_[3].load()};
  }
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
      // A seeded fault, or none: what of the frame goes on, and whether the
      // connection is cut after it (nothing at all: cut before it).
      struct Onward {
        std::string bytes;
        bool cut = false;
      };
      auto fault = [&](std::string frame) -> std::optional<Onward> {
        std::uint64_t action = 4, at = 0, bit = 0, ms = 0;
        {
          std::lock_guard lock(mutex_);
          if (rate_ > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < rate_)
            action = rng_() % 4, at = rng_() % frame.size(), bit = rng_() % 8, ms = rng_() % 20;
        }
        if (action < 4) ++injected_[action];
        switch (action) {
          case 0: frame[at] = static_cast<char>(frame[at] ^ (1 << bit)); return Onward{std::move(frame)};
          case 1: return Onward{frame.substr(0, at), true};
          case 2: return std::nullopt;
          case 3: std::this_thread::sleep_for(std::chrono::milliseconds(ms)); return Onward{std::move(frame)};
          default: return Onward{std::move(frame)};
        }
      };
      std::thread down([&] {  // server to client: frame by frame
        for (int index = 0;; ++index) {  // the first frame over the limit is read, then dropped
          auto f = readFrame(server);
          if (!f || index >= server_frames_) break;
          auto out = fault(std::move(*f));
          if (!out || !pass(client, out->bytes) || out->cut) break;
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
        auto onward = out ? fault(std::move(*out)) : std::nullopt;
        if (!onward || !pass(server, onward->bytes) || onward->cut) break;
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
  std::array<std::atomic<std::size_t>, 4> injected_{};
  std::atomic<std::size_t> budget_{SIZE_MAX};
  std::atomic<int> server_frames_{INT32_MAX};
  std::mutex mutex_;
  FrameHook hook_;  // guarded by mutex_
  std::mt19937_64 rng_;  // guarded by mutex_
  double rate_ = 0;      // guarded by mutex_
};

}  // namespace fieldsync::test
