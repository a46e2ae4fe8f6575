#include "sync/crypto.h"

#include <sodium.h>

#include <cstring>
#include <mutex>

#include "fieldsync.pb.h"
#include "sync/internal/blake2b.h"

namespace fieldsync::sync {
namespace pb = fieldsync::v1;
namespace {

void ensureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();
  });
}

std::string_view view(const std::uint8_t* p, std::size_t n) { return {reinterpret_cast<const char*>(p), n}; }
template <std::size_t N>
std::string_view view(const std::array<std::uint8_t, N>& a) { return view(a.data(), N); }

// BLAKE2b-256 over length-prefixed parts; a number is a part of 8 big-endian bytes.
class Transcript {
 public:
  explicit Transcript(std::string_view label) { add(label); }
  Transcript& add(std::string_view part) {
    hash_.part(part);
    return *this;
  }
  Transcript& add(std::uint64_t v) {
    std::string b;
    appendBigEndian(b, v, 8);
    return add(b);
  }
  Hash finish() {
    Hash h;
    hash_.finish(h.data());
    return h;
  }

 private:
  Blake2b hash_{crypto_generichash_BYTES};
};

Hash makeServerTranscript(std::string_view client_hello, const PublicKey& server_eph, const PublicKey& server_sign,
                      std::uint64_t server_time_ms) {
  return Transcript("fieldsync.v1/handshake/server")
      .add(client_hello)
      .add(view(server_eph))
      .add(view(server_sign))
      .add(server_time_ms)
      .finish();
}

Hash makeClientTranscript(const Hash& server_transcript, std::string_view server_signature) {
  return Transcript("fieldsync.v1/handshake/client").add(view(server_transcript)).add(server_signature).finish();
}

// What the device signs: the client transcript, bound to who it says it is.
Hash makeClientProof(const Hash& client_transcript, const Id& node, const PublicKey& device_key) {
  return Transcript("fieldsync.v1/handshake/client-auth")
      .add(view(client_transcript))
      .add(node.view())
      .add(view(device_key))
      .finish();
}

Error malformed(std::string what) { return fail(Errc::malformed, std::move(what)); }

}  // namespace

SecretKey::SecretKey(const std::uint8_t* bytes) { std::memcpy(bytes_.data(), bytes, bytes_.size()); }
SecretKey::SecretKey(const SecretKey& o) : bytes_(o.bytes_) {}
SecretKey& SecretKey::operator=(const SecretKey& o) {
  bytes_ = o.bytes_;
  return *this;
}
SecretKey::~SecretKey() { wipe(); }
void SecretKey::wipe() { sodium_memzero(bytes_.data(), bytes_.size()); }

SigningKey SigningKey::fromSeed(const Seed& seed) {
  ensureSodium();
  SigningKey k;
  k.seed_ = SecretKey(seed.data());
  crypto_sign_seed_keypair(k.public_.data(), k.secret_.data(), seed.data());
  return k;
}

SigningKey SigningKey::generate() {
  ensureSodium();
  Seed seed;
  randombytes_buf(seed.data(), seed.size());
  SigningKey k = fromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

Result<SigningKey> SigningKey::fromSeedHex(std::string_view hex) {
  auto bytes = fromHex(hex);
  if (!bytes || bytes->size() != 32) return fail(Errc::invalid_input, "a key seed is 64 hex digits");
  Seed seed;
  std::memcpy(seed.data(), bytes->data(), 32);
  sodium_memzero(bytes->data(), bytes->size());
  SigningKey k = fromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

SigningKey::SigningKey(const SigningKey& o) : seed_(o.seed_), secret_(o.secret_), public_(o.public_) {}
SigningKey& SigningKey::operator=(const SigningKey& o) {
  seed_ = o.seed_;
  secret_ = o.secret_;
  public_ = o.public_;
  return *this;
}
SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

std::string SigningKey::sign(std::string_view message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(), secret_.data());
  return sig;
}

std::string SigningKey::seedHex() const { return toHex(view(seed_.data(), 32)); }

Hash hashBytes(std::string_view data) {
  ensureSodium();
  Hash h;
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  return h;
}

Hash sha256(std::string_view data) {
  ensureSodium();
  Hash h;
  crypto_hash_sha256(h.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return h;
}

Hash batchDigest(const PublicKey& server, std::string_view company, const Id& node, std::string_view batch) {
  ensureSodium();
  return Transcript("fieldsync.v1/batch").add(view(server)).add(company).add(node.view()).add(batch).finish();
}

bool verifySignature(const PublicKey& key, std::string_view message, std::string_view signature) {
  ensureSodium();
  return signature.size() == crypto_sign_BYTES &&
         crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     key.data()) == 0;
}

Result<PublicKey> publicKeyFromBytes(std::string_view bytes) {
  if (bytes.size() != 32) return malformed("a public key is 32 bytes, got " + std::to_string(bytes.size()));
  PublicKey k;
  std::memcpy(k.data(), bytes.data(), 32);
  return k;
}

// ---- handshake ------------------------------------------------------------------

namespace {
void ephemeral(PublicKey& pk, SecretKey& sk, const std::optional<Seed>& seed) {
  ensureSodium();
  if (seed) crypto_kx_seed_keypair(pk.data(), sk.data(), seed->data());
  else crypto_kx_keypair(pk.data(), sk.data());
}
}  // namespace

ClientHandshake::ClientHandshake(const PublicKey& pinned_server_key, bool enroll, std::uint64_t client_time_ms,
                                 std::optional<Seed> ephemeral_seed)
    : pinned_(pinned_server_key), enroll_(enroll) {
  ephemeral(eph_pk_, eph_sk_, ephemeral_seed);
  pb::ClientHello m;
  m.set_version(1);
  m.set_ephemeral_pk(std::string(view(eph_pk_)));
  m.set_enroll(enroll_);
  m.set_client_time_ms(client_time_ms);
  hello_ = m.SerializeAsString();
}

ClientHandshake::~ClientHandshake() = default;

std::string ClientHandshake::hello() const { return hello_; }

Result<SessionKeys> ClientHandshake::onServerHello(std::string_view bytes) {
  pb::ServerHello m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return malformed("the server's hello does not parse");
  if (m.has_error())
    return fail(fromWireNumber(m.error().code()), "the server refused the handshake: " + m.error().message());
  auto server_eph = publicKeyFromBytes(m.ephemeral_pk());
  auto server_sign = publicKeyFromBytes(m.sign_pk());
  if (!server_eph || !server_sign) return malformed("the server's hello has keys of the wrong length");
  if (*server_sign != pinned_)
    return fail(Errc::denied, "the server's key " + toHex(*server_sign) +
                                  " is not the pinned key: a different server, or someone in between");
  server_time_ms_ = m.server_time_ms();
  const Hash ts = makeServerTranscript(hello_, *server_eph, *server_sign, server_time_ms_);
  if (!verifySignature(*server_sign, view(ts), m.signature()))
    return fail(Errc::denied, "the server's handshake signature does not verify");
  SessionKeys keys;
  const int kx = crypto_kx_client_session_keys(keys.rx.data(), keys.tx.data(), eph_pk_.data(), eph_sk_.data(),
                                               server_eph->data());
  eph_sk_.wipe();  // forward secrecy: the ephemeral secret is not needed again
  if (kx != 0) return malformed("the server's ephemeral key is not usable");
  client_transcript_ = makeClientTranscript(ts, m.signature());
  return keys;
}

std::string ClientHandshake::clientSignature(const SigningKey& device, const Id& node) const {
  return device.sign(view(makeClientProof(client_transcript_, node, device.publicKey())));
}

ServerHandshake::ServerHandshake(const SigningKey& server_key, std::optional<Seed> ephemeral_seed) : key_(server_key) {
  ephemeral(eph_pk_, eph_sk_, ephemeral_seed);
}

ServerHandshake::~ServerHandshake() = default;

Result<std::string> ServerHandshake::onClientHello(std::string_view bytes, std::uint64_t server_time_ms) {
  pb::ClientHello m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return malformed("the client's hello does not parse");
  if (m.version() != 1)
    return fail(Errc::refused, "protocol version " + std::to_string(m.version()) + " is not supported (this server speaks 1)");
  auto client_eph = publicKeyFromBytes(m.ephemeral_pk());
  if (!client_eph) return malformed("the client's ephemeral key is not 32 bytes");
  enroll_ = m.enroll();
  client_time_ms_ = m.client_time_ms();
  const int kx = crypto_kx_server_session_keys(keys_.rx.data(), keys_.tx.data(), eph_pk_.data(), eph_sk_.data(),
                                               client_eph->data());
  eph_sk_.wipe();  // forward secrecy: the ephemeral secret is not needed again
  if (kx != 0) return malformed("the client's ephemeral key is not usable");
  const Hash ts = makeServerTranscript(bytes, eph_pk_, key_.publicKey(), server_time_ms);
  const std::string signature = key_.sign(view(ts));
  client_transcript_ = makeClientTranscript(ts, signature);
  pb::ServerHello out;
  out.set_ephemeral_pk(std::string(view(eph_pk_)));
  out.set_sign_pk(std::string(view(key_.publicKey())));
  out.set_signature(signature);
  out.set_server_time_ms(server_time_ms);
  return out.SerializeAsString();
}

std::string ServerHandshake::refusal(const Error& why) {
  pb::ServerHello out;
  out.mutable_error()->set_code(static_cast<pb::ErrorCode>(wireNumber(why.code)));
  out.mutable_error()->set_message(why.message);
  return out.SerializeAsString();
}

bool ServerHandshake::verifyClient(const PublicKey& device_key, const Id& node, std::string_view signature) const {
  return verifySignature(device_key, view(makeClientProof(client_transcript_, node, device_key)), signature);
}

// ---- channel ----------------------------------------------------------------------

struct StreamSender::State {
  crypto_secretstream_xchacha20poly1305_state st;
};
struct StreamReceiver::State {
  crypto_secretstream_xchacha20poly1305_state st;
};

StreamSender::StreamSender(const SecretKey& key) : state_(std::make_unique<State>()) {
  ensureSodium();
  header_.resize(crypto_secretstream_xchacha20poly1305_HEADERBYTES);
  crypto_secretstream_xchacha20poly1305_init_push(&state_->st, reinterpret_cast<unsigned char*>(header_.data()),
                                                  key.data());
}

StreamSender::~StreamSender() { sodium_memzero(&state_->st, sizeof state_->st); }

std::string StreamSender::seal(std::string_view plaintext, bool final) {
  std::string out(plaintext.size() + crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
  unsigned long long len = 0;
  crypto_secretstream_xchacha20poly1305_push(
      &state_->st, reinterpret_cast<unsigned char*>(out.data()), &len,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(), nullptr, 0,
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  out.resize(static_cast<std::size_t>(len));
  return out;
}

StreamReceiver::StreamReceiver() : state_(std::make_unique<State>()) {}
StreamReceiver::~StreamReceiver() { sodium_memzero(&state_->st, sizeof state_->st); }

Result<std::unique_ptr<StreamReceiver>> StreamReceiver::open(const SecretKey& key, std::string_view header) {
  ensureSodium();
  if (header.size() != crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    return malformed("a stream header is 24 bytes, got " + std::to_string(header.size()));
  std::unique_ptr<StreamReceiver> r(new StreamReceiver());
  if (crypto_secretstream_xchacha20poly1305_init_pull(&r->state_->st,
                                                      reinterpret_cast<const unsigned char*>(header.data()),
                                                      key.data()) != 0)
    return malformed("the stream header is not valid");
  return r;
}

Result<std::string> StreamReceiver::unseal(std::string_view ciphertext) {
  if (broken_ || finished_) return malformed("the stream has ended; nothing more can be read from it");
  if (ciphertext.size() < crypto_secretstream_xchacha20poly1305_ABYTES) {
    broken_ = true;
    return malformed("a sealed message is shorter than its authentication tag");
  }
  std::string out(ciphertext.size() - crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
  unsigned long long len = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(&state_->st, reinterpret_cast<unsigned char*>(out.data()), &len,
                                                 &tag, reinterpret_cast<const unsigned char*>(ciphertext.data()),
                                                 ciphertext.size(), nullptr, 0) != 0) {
    broken_ = true;
    return malformed("a message failed authentication: tampered, replayed, reordered or from another session");
  }
  out.resize(static_cast<std::size_t>(len));
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) finished_ = true;
  return out;
}

std::string frame(std::string_view payload) {
  std::string out;
  out.reserve(4 + payload.size());
  appendBigEndian(out, payload.size(), 4);
  return out.append(payload);
}

Result<std::uint32_t> frameLength(const std::uint8_t header[4]) {
  const auto n = static_cast<std::uint32_t>(readBigEndian(view(header, 4)));
  if (n > kMaxFrame) return malformed("a frame of " + std::to_string(n) + " bytes exceeds the limit of " +
                                      std::to_string(kMaxFrame));
  return n;
}

}  // namespace fieldsync::sync
