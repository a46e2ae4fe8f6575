#include "sync/crypto.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace fieldsync::sync;

namespace {
Seed seed(std::uint8_t b) {
  Seed s;
  s.fill(b);
  return s;
}
std::string hex(const SecretKey& k) { return toHex(std::string_view(reinterpret_cast<const char*>(k.data()), 32)); }

struct Pair {  // a server and a client that have completed the handshake
  SigningKey server = SigningKey::generate(), device = SigningKey::generate();
  Id node = randomId();
  ServerHandshake srv{server};
  ClientHandshake client{server.publicKey(), false};
  SessionKeys client_keys;
  Pair() {
    auto hello = srv.onClientHello(client.hello(), 42);
    REQUIRE(hello);
    auto keys = client.onServerHello(*hello);
    REQUIRE(keys);
    client_keys = *keys;
  }
};
}  // namespace

TEST_CASE("the handshake matches the documented test vector", "[sync][crypto]") {
  // docs/protocol.md, "Test vector". The transcript hashes were also checked
  // with Python's hashlib.blake2b.
  const SigningKey server = SigningKey::fromSeed(seed(1)), device = SigningKey::fromSeed(seed(4));
  CHECK(toHex(server.publicKey()) == "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c");
  CHECK(toHex(device.publicKey()) == "ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c");
  ClientHandshake client(server.publicKey(), false, 0, seed(3));
  ServerHandshake srv(server, seed(2));
  CHECK(toHex(client.hello()) == "0801122085788f6e8c1818fd4314b841a87ffb91af60d95aa98338496cd17ba1cbf1532b");
  auto server_hello = srv.onClientHello(client.hello(), 1'700'000'000'000);
  REQUIRE(server_hello);
  CHECK(toHex(*server_hello) ==
        "0a20fc3b339367a5225d53a92d380323afd035d7817b6d1be47d946f6b09a9cbdc0612208a88e3dd7409f195fd52db2d3cba5d72ca6709"
        "bf1d94121bf3748801b40f6f5c1a40909f186ae9da9055451d6af280f79e87d2af92b1e16098ad0270201f3ad39e217a40b9a04991cbce"
        "5ffbd058a50f23eb3a3a510daf90ccdcde3e1b65d0f9150d2080d095ffbc31");
  auto keys = client.onServerHello(*server_hello);
  REQUIRE(keys);
  CHECK(toHex(client.clientTranscript()) == "8f65ac22221bc750ce77f815ab3ad7c573d0bfe9e31642244f9801a3736741f7");
  const Id node = *Id::fromHex(std::string(32, '5'));  // 55...55
  const std::string signature = client.clientSignature(device, node);
  CHECK(toHex(signature) ==
        "02980842ceefc232dc2c22a8a1696985d49fa7f04431c07f30cd1d6b2fb47c76071738550cc8182397717462d0a78527fa4a2014b70b"
        "20e65e00559520066901");
  // The signature is over T_a, which Python's hashlib.blake2b gives as:
  CHECK(verifySignature(device.publicKey(), *fromHex("5ce2b8c820b7379798aa073332f6163f61078aa240602fbf9a4633995f0d556c"),
                        signature));
  CHECK(srv.verifyClient(device.publicKey(), node, signature));
  CHECK(toHex(batchDigest(server.publicKey(), "ACME SERVICE", node, "batch")) ==
        "3aeb8d7fbc6214d95904395efc38a6d74adcd757b1b47f4b8789e41e0e18720a");
  CHECK(hex(keys->tx) == "f8d14d84050110616d05f2e7d95b1183448e4aa10b5948597da071509caf1362");
  CHECK(hex(keys->rx) == "0339985a466a58c075be46ca7548ac5c47dcc05073d7db43c9df23470d74e83e");
  CHECK(hex(srv.keys().rx) == hex(keys->tx));
  CHECK(hex(srv.keys().tx) == hex(keys->rx));
  // A sealed message from the vector opens with the client's tx key and the header.
  auto header = fromHex("3a58f7c8961d7f5450b97f4014f53b78227a4c1b12a3386d");
  auto sealed = fromHex("d645a7cd2798878e6d77ed5565991665aae0114cfb40");
  auto rx = StreamReceiver::open(srv.keys().rx, *header);
  REQUIRE(rx);
  auto plain = (*rx)->unseal(*sealed);
  REQUIRE(plain);
  CHECK(*plain == "hello");
}

TEST_CASE("both sides of a handshake derive each other's keys and the server verifies the device", "[sync][crypto]") {
  Pair p;
  CHECK(hex(p.srv.keys().rx) == hex(p.client_keys.tx));
  CHECK(hex(p.srv.keys().tx) == hex(p.client_keys.rx));
  CHECK(p.srv.verifyClient(p.device.publicKey(), p.node, p.client.clientSignature(p.device, p.node)));
  const SigningKey impostor = SigningKey::generate();
  CHECK_FALSE(p.srv.verifyClient(p.device.publicKey(), p.node, p.client.clientSignature(impostor, p.node)));
}

TEST_CASE("a client that talks to a server with the wrong key notices and stops", "[sync][crypto]") {
  const SigningKey real = SigningKey::generate(), fake = SigningKey::generate();
  ClientHandshake client(real.publicKey(), false);
  ServerHandshake mitm(fake);
  auto hello = mitm.onClientHello(client.hello(), 1);
  REQUIRE(hello);
  auto keys = client.onServerHello(*hello);
  REQUIRE_FALSE(keys);
  CHECK(keys.error().code == Errc::denied);
  CHECK_THAT(keys.error().message, Catch::Contains("not the pinned key"));
}

TEST_CASE("a server hello with a forged signature is refused", "[sync][crypto]") {
  const SigningKey server = SigningKey::generate();
  ClientHandshake client(server.publicKey(), false);
  ServerHandshake srv(server);
  auto hello = srv.onClientHello(client.hello(), 1);
  REQUIRE(hello);
  std::string forged = *hello;
  forged[forged.size() - 20] ^= 0x01;  // inside the signature
  auto keys = client.onServerHello(forged);
  REQUIRE_FALSE(keys);
  CHECK(keys.error().code == Errc::denied);
}

TEST_CASE("an unknown protocol version or garbage hello is refused", "[sync][crypto]") {
  const SigningKey server = SigningKey::generate();
  ServerHandshake srv(server);
  CHECK_FALSE(srv.onClientHello(std::string("\x08\x02", 2), 1));
  CHECK_FALSE(srv.onClientHello("garbage", 1));
}

TEST_CASE("the channel detects tampering, reordering, replay and truncation", "[sync][crypto]") {
  Pair p;
  StreamSender tx(p.client_keys.tx);
  auto open = [&] {
    auto r = StreamReceiver::open(p.srv.keys().rx, tx.header());
    REQUIRE(r);
    return std::move(r).value();
  };
  const std::string m1 = tx.seal("push 1"), m2 = tx.seal("push 2"), last = tx.seal("bye", true);

  SECTION("in order, every message opens and the final one ends the stream") {
    auto rx = open();
    CHECK(*rx->unseal(m1) == "push 1");
    CHECK(*rx->unseal(m2) == "push 2");
    CHECK_FALSE(rx->finished());  // a stream cut here is truncated: no final message yet
    CHECK(*rx->unseal(last) == "bye");
    CHECK(rx->finished());
    CHECK_FALSE(rx->unseal(m1));
  }
  SECTION("a flipped bit is refused and the stream is dead") {
    auto rx = open();
    std::string bad = m1;
    bad[3] ^= 0x40;
    auto r = rx->unseal(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::malformed);
    CHECK_FALSE(rx->unseal(m1));
  }
  SECTION("a reordered message is refused") {
    auto rx = open();
    CHECK_FALSE(rx->unseal(m2));
  }
  SECTION("a replayed message is refused") {
    auto rx = open();
    REQUIRE(rx->unseal(m1));
    CHECK_FALSE(rx->unseal(m1));
  }
  SECTION("a message from another session is refused") {
    Pair other;
    StreamSender stranger(other.client_keys.tx);
    auto rx = open();
    CHECK_FALSE(rx->unseal(stranger.seal("push 1")));
  }
}

TEST_CASE("frames carry a big-endian length and refuse oversized lengths", "[sync][crypto]") {
  const std::string f = frame("abc");
  CHECK(f == std::string("\0\0\0\3abc", 7));
  const std::uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
  CHECK_FALSE(frameLength(huge));
  CHECK(*frameLength(reinterpret_cast<const std::uint8_t*>(f.data())) == 3);
}

TEST_CASE("a signing key survives storage as its seed", "[sync][crypto]") {
  const SigningKey k = SigningKey::generate();
  auto back = SigningKey::fromSeedHex(k.seedHex());
  REQUIRE(back);
  CHECK(back->publicKey() == k.publicKey());
  CHECK(verifySignature(k.publicKey(), "msg", back->sign("msg")));
  CHECK_FALSE(SigningKey::fromSeedHex("zz"));
}

TEST_CASE("a batch signature holds only for its server, company, device and bytes", "[sync][crypto]") {
  const PublicKey a = SigningKey::generate().publicKey(), b = SigningKey::generate().publicKey();
  const Id n = randomId(), m = randomId();
  const Hash base = batchDigest(a, "ACME", n, "ops");
  CHECK(batchDigest(b, "ACME", n, "ops") != base);
  CHECK(batchDigest(a, "ACMF", n, "ops") != base);
  CHECK(batchDigest(a, "ACME", m, "ops") != base);
  CHECK(batchDigest(a, "ACME", n, "opt") != base);
  CHECK(batchDigest(a, "ACM", n, "Eops") != base);  // parts are length-prefixed: bytes cannot move between them
}
