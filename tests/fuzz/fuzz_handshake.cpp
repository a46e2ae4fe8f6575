// Handshake messages from either side, and the envelopes after it
// (sync/crypto.h, proto/fieldsync.proto).
#include <cstdint>
#include <string_view>

#include "fieldsync.pb.h"
#include "sync/crypto.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fieldsync::sync;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  static const SigningKey server = [] {
    Seed s;
    s.fill(1);
    return SigningKey::fromSeed(s);
  }();
  ServerHandshake srv(server);
  if (auto hello = srv.onClientHello(in, 1'700'000'000'000)) (void)srv.verifyClient(server.publicKey(), Id{}, in);
  ClientHandshake client(server.publicKey(), false, 0);
  (void)client.onServerHello(in);
  fieldsync::v1::Envelope e;
  (void)e.ParseFromArray(data, static_cast<int>(size));
  return 0;
}
