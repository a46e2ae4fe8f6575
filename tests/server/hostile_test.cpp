// Hostile peers (issue 12, sections 1 and 5): whatever they send, or do not,
// the server stays up, its memory grows with what arrives, not with what is
// announced, and a legitimate device syncs meanwhile.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include "fieldsync.pb.h"
#include "server/server_fixture.h"
#include "sync/crypto.h"
#include "sync/net.h"

using namespace fieldsync::test;
namespace net = fieldsync::net;

namespace {

// A connection from another loopback address, as an attacker's would come
// from another host (the per-address limit is per IP address).
std::unique_ptr<net::tcp::socket> attacker(net::asio::io_context& io, std::uint16_t port) {
  auto s = std::make_unique<net::tcp::socket>(io);
  s->open(net::tcp::v4());
  s->bind({net::asio::ip::make_address("127.0.0.2"), 0});
  boost::system::error_code ec;
  s->connect({net::asio::ip::make_address("127.0.0.1"), port}, ec);
  return s;
}

std::size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

// A device that syncs a new change while the attack goes on.
void legitimateDeviceSyncs(TestServer& s, Device& d) {
  REQUIRE(Stock(*d.node).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1)));
  auto r = d.sync();
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
  CHECK(r->pushed >= 1);
  CHECK(*s.server->exportJson() == exportOf(*d.node));
}

}  // namespace

TEST_CASE("peers announcing huge frames and sending nothing cost the server no memory", "[server][hostile]") {
  TestServer s;
  TempDir dir;
  Device d(s, dir, "d.db", "admin");
  addCatalogue(*d.node);
  REQUIRE(d.sync());
  const std::size_t before = residentBytes();
  net::asio::io_context io;
  std::vector<std::unique_ptr<net::tcp::socket>> peers;
  const std::uint8_t announce[4] = {0x00, 0x11, 0x00, 0x00};  // 1,114,112 bytes
  for (int i = 0; i < 500; ++i) {
    peers.push_back(attacker(io, s.port));
    boost::system::error_code ec;
    net::asio::write(*peers.back(), net::asio::buffer(announce), ec);
  }
  legitimateDeviceSyncs(s, d);
  // 500 reservations of 1.1 MB would be 557 MB; allow for the test's own sockets and the sync.
  CHECK(residentBytes() < before + (64u << 20));
  CHECK(s.logged("exceeds the limit of 4096 before authentication"));
}

TEST_CASE("a flood of idle connections is held to its limits and a device still syncs", "[server][hostile]") {
  TestServer s;
  TempDir dir;
  Device d(s, dir, "d.db", "admin");
  addCatalogue(*d.node);
  net::asio::io_context io;
  std::vector<std::unique_ptr<net::tcp::socket>> peers;
  for (int i = 0; i < 200; ++i) peers.push_back(attacker(io, s.port));  // each says nothing
  for (int i = 0; i < 100 && !s.logged("refusing new connections"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(s.logged("refusing new connections: 8 handshakes are in flight from 127.0.0.2"));
  legitimateDeviceSyncs(s, d);
  CHECK(s.logged("accepting connections again"));
}

TEST_CASE("random bytes end their connection and change nothing", "[server][hostile]") {
  TestServer s;
  TempDir dir;
  Device d(s, dir, "d.db", "admin");
  addCatalogue(*d.node);
  REQUIRE(d.sync());
  const std::uint64_t ops = s.ops();
  std::mt19937_64 rng(GENERATE(1, 2, 3));
  net::asio::io_context io;
  for (int i = 0; i < 20; ++i) {
    auto peer = attacker(io, s.port);
    std::string junk(1 + rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (i % 2) junk[0] = junk[1] = 0;  // a plausible length prefix, then garbage
    boost::system::error_code ec;
    net::asio::write(*peer, net::asio::buffer(junk), ec);
    char byte;
    net::asio::read(*peer, net::asio::buffer(&byte, 1), ec);  // the server answers or hangs up; never hangs itself
  }
  CHECK(s.ops() == ops);
  legitimateDeviceSyncs(s, d);
}

TEST_CASE("a hello of another protocol version gets an error the client can read, then the server closes",
          "[server][hostile]") {
  TestServer s;
  net::asio::io_context io;
  auto peer = attacker(io, s.port);
  fieldsync::v1::ClientHello hello;
  hello.set_version(2);
  hello.set_ephemeral_pk(std::string(32, '\1'));
  net::asio::write(*peer, net::asio::buffer(fieldsync::sync::frame(hello.SerializeAsString())));
  std::uint8_t header[4];
  net::asio::read(*peer, net::asio::buffer(header));
  auto length = fieldsync::sync::frameLength(header);
  REQUIRE(length);
  std::string reply(*length, '\0');
  net::asio::read(*peer, net::asio::buffer(reply));
  fieldsync::sync::ClientHandshake client(fieldsync::sync::PublicKey{}, false, 0);
  auto keys = client.onServerHello(reply);
  REQUIRE_FALSE(keys);
  CHECK(keys.error().code == fieldsync::sync::Errc::refused);
  CHECK(keys.error().message ==
        "the server refused the handshake: protocol version 2 is not supported (this server speaks 1)");
  char byte;
  boost::system::error_code ec;
  net::asio::read(*peer, net::asio::buffer(&byte, 1), ec);
  CHECK(ec == net::asio::error::eof);
}

TEST_CASE("handshakes from one address are held to a rate and a device elsewhere still syncs", "[server][hostile]") {
  TestServer s;
  s.server->setLimits({0, 1000, 1000, 10, 4});  // only the rate (10 a second) limits this flood
  TempDir dir;
  Device d(s, dir, "d.db", "admin");
  addCatalogue(*d.node);
  net::asio::io_context io;
  std::vector<std::unique_ptr<net::tcp::socket>> peers;
  for (int i = 0; i < 60; ++i) peers.push_back(attacker(io, s.port));  // a burst of 20 comes in, then 10 a second
  for (int i = 0; i < 100 && !s.logged("come faster"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(s.logged("refusing new connections: handshakes from 127.0.0.2 come faster than the limit of 10 a second"));
  legitimateDeviceSyncs(s, d);
}
