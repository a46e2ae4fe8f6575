// One session in isolation: a peer on 127.0.0.1 and a Hub that answers
// every request, with short timeouts, so that deadlines can be watched.
#include "server/internal/session.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "sync/crypto.h"

using namespace fieldsync;
using namespace fieldsync::net;
using namespace std::chrono_literals;
using server::Session;

namespace {

struct TestHub final : server::Hub {
  sync::SigningKey signing = sync::SigningKey::generate();
  std::string pull_bytes;  // what each pull answers with
  std::atomic<int> pulls{0};
  std::mutex mutex;
  std::vector<std::string> lines;

  const sync::SigningKey& key() const override { return signing; }
  std::int64_t now() override { return static_cast<std::int64_t>(sync::Hlc::systemClock()()); }
  void log(const std::string& line, server::LogLevel = server::LogLevel::info) override {
    std::lock_guard held(mutex);
    lines.push_back(line);
  }
  server::Device admit(const server::pb::Envelope&, const sync::ServerHandshake&, const std::string&) override {
    return {};
  }
  std::uint64_t head() override { return 0; }
  std::string logId() override { return std::string(16, 'L'); }
  bool news(const server::Device&, server::WatchState&) override { return false; }
  server::pb::Envelope push(server::Device&, const server::pb::Push&, server::ScopeState&) override { return {}; }
  server::pb::Envelope pull(const server::Device&, const server::pb::Pull&, server::ScopeState&) override {
    ++pulls;
    server::pb::Envelope e;
    e.mutable_pull_batch()->set_batch(pull_bytes);
    return e;
  }
  server::pb::Envelope recover(const server::Device&, const server::pb::Recover&) override { return {}; }
  server::pb::Envelope attachmentPut(const server::Device&, const server::pb::AttachmentPut&) override { return {}; }
  server::pb::Envelope attachmentGet(const server::Device&, const server::pb::AttachmentGet&,
                                     server::ScopeState&) override {
    return {};
  }
  server::pb::Envelope devices(const server::Device&) override { return {}; }
  bool logged(const std::string& text) {
    std::lock_guard held(mutex);
    return std::any_of(lines.begin(), lines.end(), [&](const auto& l) { return l.find(text) != std::string::npos; });
  }
};

// The server side: one session on a strand, with the io_context in a thread.
struct Served {
  TestHub hub;
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::weak_ptr<Session> session;  // set on the io thread; read after `accepted`
  std::atomic<bool> accepted{false};
  std::thread thread;

  explicit Served(Session::Timeouts timeouts) {
    acceptor.async_accept(asio::make_strand(io), [this, timeouts](boost::system::error_code ec, tcp::socket s) {
      REQUIRE(!ec);
      auto made = std::make_shared<Session>(std::move(s), hub, 1, timeouts);
      session = made;
      accepted = true;
      made->start();
    });
    thread = std::thread([this] { io.run(); });
  }
  ~Served() {
    io.stop();
    thread.join();
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
  bool ended() {  // waits up to 5 s for the session to have been accepted and to be gone
    for (int i = 0; i < 500 && (!accepted || !session.expired()); ++i) std::this_thread::sleep_for(10ms);
    return accepted && session.expired();
  }
};

// A device's side, blocking: the handshake, then requests.
struct Peer {
  asio::io_context io;
  tcp::socket socket{io};
  std::unique_ptr<sync::StreamSender> tx;
  std::unique_ptr<sync::StreamReceiver> rx;

  explicit Peer(std::uint16_t port, int receive_buffer = 0) {
    socket.open(tcp::v4());
    if (receive_buffer) socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  void write(const std::string& payload) { asio::write(socket, asio::buffer(sync::frame(payload))); }
  std::string read() {
    std::uint8_t header[4];
    asio::read(socket, asio::buffer(header));
    std::string body(*sync::frameLength(header), '\0');
    asio::read(socket, asio::buffer(body));
    return body;
  }
  void handshake(const sync::PublicKey& server_key) {
    sync::ClientHandshake hs(server_key, false, sync::Hlc::systemClock()());
    write(hs.hello());
    auto keys = hs.onServerHello(read());
    REQUIRE(keys);
    rx = std::move(sync::StreamReceiver::open(keys->rx, read())).value();
    tx = std::make_unique<sync::StreamSender>(keys->tx);
    write(tx->header());
    send([](server::pb::Envelope& e) { e.mutable_client_auth(); });
    REQUIRE(receive().has_welcome());
  }
  template <class F>
  void send(F fill) {
    server::pb::Envelope e;
    fill(e);
    write(tx->seal(e.SerializeAsString()));
  }
  server::pb::Envelope receive() {
    server::pb::Envelope e;
    REQUIRE(e.ParseFromString(*rx->unseal(read())));
    return e;
  }
  void pull() {
    send([](server::pb::Envelope& e) { e.mutable_pull(); });
  }
};

}  // namespace

TEST_CASE("a peer that says nothing is cut at the handshake deadline", "[server][session]") {
  Served s({200ms, 200ms, 200ms});
  Peer quiet(s.port());
  REQUIRE(s.ended());
  CHECK(s.hub.logged("timed out"));
  char byte;
  boost::system::error_code ec;
  asio::read(quiet.socket, asio::buffer(&byte, 1), ec);
  CHECK(ec);  // closed by the server
}

TEST_CASE("a peer that sends its hello a byte at a time is cut when the whole handshake's time is up",
          "[server][session]") {
  Served s({500ms, 30s, 30s});
  Peer slow(s.port());
  sync::ClientHandshake hs(s.hub.signing.publicKey(), false, 0);
  const std::string hello = sync::frame(hs.hello());
  boost::system::error_code ec;
  for (std::size_t i = 0; i < hello.size() && !ec; ++i) {  // each byte well within any per-read deadline
    std::this_thread::sleep_for(50ms);
    asio::write(slow.socket, asio::buffer(hello.data() + i, 1), ec);
  }
  REQUIRE(s.ended());
  CHECK(s.hub.logged("timed out"));
}

TEST_CASE("a peer that announces a frame bigger than a handshake message is cut before anything is reserved",
          "[server][session]") {
  Served s({30s, 30s, 30s});
  Peer greedy(s.port());
  const std::uint8_t header[4] = {0x00, 0x11, 0x00, 0x00};  // 1,114,112 bytes, then nothing
  asio::write(greedy.socket, asio::buffer(header));
  REQUIRE(s.ended());
  CHECK(s.hub.logged("a frame of 1114112 bytes exceeds the limit of 4096 before authentication"));
}

TEST_CASE("a device that keeps answering within each deadline is never cut", "[server][session]") {
  Served s({300ms, 300ms, 300ms});
  Peer device(s.port());
  device.handshake(s.hub.signing.publicKey());
  // Six times the idle deadline in all, each request well within its own.
  for (int i = 0; i < 18; ++i) {
    std::this_thread::sleep_for(100ms);
    device.pull();
    REQUIRE(device.receive().has_pull_batch());
  }
  CHECK_FALSE(s.hub.logged("timed out"));
  device.send([](server::pb::Envelope& e) { e.mutable_bye(); });
  CHECK(device.receive().has_bye());
  CHECK(s.ended());
  CHECK(s.hub.logged("done"));
}

TEST_CASE("a device that stops reading is cut at the write deadline", "[server][session]") {
  Served s({30s, 30s, 300ms});  // only the write deadline can end it in time
  s.hub.pull_bytes = std::string(1u << 20, 'x');
  Peer device(s.port(), 4096);
  device.handshake(s.hub.signing.publicKey());
  for (int i = 0; i < 40; ++i) device.pull();  // 40 MiB of answers that nobody reads
  REQUIRE(s.ended());
  CHECK(s.hub.logged("timed out"));
}

TEST_CASE("a device that sends requests without reading the replies is not answered ahead", "[server][session]") {
  Served s({30s, 30s, 30s});
  s.hub.pull_bytes = std::string(256u << 10, 'x');
  Peer device(s.port(), 4096);
  device.handshake(s.hub.signing.publicKey());
  for (int i = 0; i < 200; ++i) device.pull();  // small requests: they all fit in the socket buffers
  std::this_thread::sleep_for(1s);
  // Replies wait for the peer to read; the server reads no further ahead.
  CHECK(s.hub.pulls < 50);  // what the socket buffers hold, not all 200
  for (int i = 0; i < 200; ++i) REQUIRE(device.receive().has_pull_batch());
  CHECK(s.hub.pulls == 200);
}
