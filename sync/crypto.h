// Crypto: long-term keys, the authenticated handshake and the encrypted
// channel of the sync protocol (docs/protocol.md). Only libsodium
// primitives, composed as the protocol document describes:
//  - Ed25519 (crypto_sign) long-term keys for the server and each device;
//  - X25519 ephemeral keys and crypto_kx session keys, one per direction;
//  - crypto_secretstream_xchacha20poly1305 for every frame after the
//    handshake: tampering, reordering, replay and truncation are detected.
// Secret keys live in types that wipe their memory (sodium_memzero).
// No socket here: the handshake and channel turn bytes into bytes.
// Thread-compatible: one object per session and direction.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sync/bytes.h"
#include "sync/id.h"
#include "sync/result.h"

namespace fieldsync::sync {

using PublicKey = std::array<std::uint8_t, 32>;
using Seed = std::array<std::uint8_t, 32>;
using Hash = std::array<std::uint8_t, 32>;

template <std::size_t N>
std::string toHex(const std::array<std::uint8_t, N>& a) {
  return toHex(std::string_view(reinterpret_cast<const char*>(a.data()), N));
}

// 32 secret bytes, wiped when destroyed.
class SecretKey {
 public:
  SecretKey() = default;
  explicit SecretKey(const std::uint8_t* bytes);
  SecretKey(const SecretKey&);
  SecretKey& operator=(const SecretKey&);
  ~SecretKey();
  const std::uint8_t* data() const { return bytes_.data(); }
  std::uint8_t* data() { return bytes_.data(); }
  void wipe();  // zeroes it now (sodium_memzero), not only when it goes

 private:
  std::array<std::uint8_t, 32> bytes_{};
};

// An Ed25519 key pair; the secret half is wiped when destroyed.
class SigningKey {
 public:
  static SigningKey generate();
  static SigningKey fromSeed(const Seed& seed);     // deterministic, for test vectors
  static Result<SigningKey> fromSeedHex(std::string_view hex);
  SigningKey(const SigningKey&);
  SigningKey& operator=(const SigningKey&);
  ~SigningKey();

  const PublicKey& publicKey() const { return public_; }
  std::string sign(std::string_view message) const;  // 64 bytes
  std::string seedHex() const;                       // for storage in a 0600 file

 private:
  SigningKey() = default;
  SecretKey seed_;
  std::array<std::uint8_t, 64> secret_{};
  PublicKey public_{};
};

Hash hashBytes(std::string_view data);  // BLAKE2b-256
Hash sha256(std::string_view data);     // SHA-256 (FIPS 180-4): attachments are named by it (docs/protocol.md)
// What a device signs for a pushed batch: the batch in its context, so that
// a signature means "this device sent these ops to this server for this
// company" (docs/protocol.md, "Messages after the handshake").
Hash batchDigest(const PublicKey& server, std::string_view company, const Id& node, std::string_view batch);
bool verifySignature(const PublicKey& key, std::string_view message, std::string_view signature);
Result<PublicKey> publicKeyFromBytes(std::string_view bytes);

struct SessionKeys {
  SecretKey rx, tx;  // what this side decrypts with, and encrypts with
};

// The device's side of the handshake. hello() -> send ClientHello; give the
// ServerHello to onServerHello(), which checks the server's signature with
// the pinned key and derives the session keys; then sign the transcript,
// with the device's node id and public key, with clientSignature() inside
// ClientAuth or Enroll.
class ClientHandshake {
 public:
  ClientHandshake(const PublicKey& pinned_server_key, bool enroll, std::uint64_t client_time_ms = 0,
                  std::optional<Seed> ephemeral_seed = {});
  ~ClientHandshake();
  std::string hello() const;
  Result<SessionKeys> onServerHello(std::string_view bytes);
  std::string clientSignature(const SigningKey& device, const Id& node) const;
  std::uint64_t serverTimeMs() const { return server_time_ms_; }
  const Hash& clientTranscript() const { return client_transcript_; }

 private:
  PublicKey pinned_, eph_pk_{};
  SecretKey eph_sk_;
  bool enroll_;
  std::string hello_;
  Hash client_transcript_{};
  std::uint64_t server_time_ms_ = 0;
};

// The server's side: onClientHello() returns the ServerHello to send and
// derives the session keys; verifyClient() checks the device's signature.
class ServerHandshake {
 public:
  explicit ServerHandshake(const SigningKey& server_key, std::optional<Seed> ephemeral_seed = {});
  ~ServerHandshake();
  Result<std::string> onClientHello(std::string_view bytes, std::uint64_t server_time_ms);
  // What the server sends, in clear, instead of its hello when it refuses the
  // client's (a protocol version it does not speak): a ServerHello that holds
  // only `error`. No keys exist yet, so nothing authenticates it.
  static std::string refusal(const Error& why);
  const SessionKeys& keys() const { return keys_; }
  bool enroll() const { return enroll_; }
  std::uint64_t clientTimeMs() const { return client_time_ms_; }
  bool verifyClient(const PublicKey& device_key, const Id& node, std::string_view signature) const;
  const Hash& clientTranscript() const { return client_transcript_; }

 private:
  const SigningKey& key_;
  PublicKey eph_pk_{};
  SecretKey eph_sk_;
  SessionKeys keys_;
  bool enroll_ = false;
  std::uint64_t client_time_ms_ = 0;
  Hash client_transcript_{};
};

// One direction of the encrypted channel. The sender's header (24 bytes)
// goes first, in clear; every message after it is sealed. A message sealed
// as final ends the stream; after it, or after any failure, the stream is
// dead and the session must end.
class StreamSender {
 public:
  explicit StreamSender(const SecretKey& key);
  ~StreamSender();
  const std::string& header() const { return header_; }
  std::string seal(std::string_view plaintext, bool final = false);

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::string header_;
};

class StreamReceiver {
 public:
  static Result<std::unique_ptr<StreamReceiver>> open(const SecretKey& key, std::string_view header);
  ~StreamReceiver();
  Result<std::string> unseal(std::string_view ciphertext);  // Errc::malformed if forged, replayed, reordered
  bool finished() const { return finished_; }                // the final message was received

 private:
  StreamReceiver();
  struct State;
  std::unique_ptr<State> state_;
  bool finished_ = false, broken_ = false;
};

// Frames: a 4-byte big-endian length, then that many bytes.
constexpr std::size_t kMaxFrame = (1u << 20) + (64u << 10);  // a 1 MiB batch plus its envelope
std::string frame(std::string_view payload);
Result<std::uint32_t> frameLength(const std::uint8_t header[4]);  // refuses lengths over kMaxFrame

}  // namespace fieldsync::sync
