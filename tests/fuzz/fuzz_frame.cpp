// Frames and sealed messages as a peer could send them: a length prefix,
// then a secretstream header and messages to open (sync/crypto.h).
#include <cstdint>
#include <string_view>

#include "sync/crypto.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fieldsync::sync;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (size >= 4) (void)frameLength(data);
  static const SecretKey key = [] {
    std::uint8_t bytes[32] = {7};
    return SecretKey(bytes);
  }();
  if (size < 24) return 0;
  auto rx = StreamReceiver::open(key, in.substr(0, 24));
  if (!rx) return 0;
  // The rest as messages of the lengths its bytes say.
  for (std::size_t at = 24; at < size;) {
    const std::size_t n = 1 + data[at] % 64;
    (void)(*rx)->unseal(in.substr(at + 1, n));
    at += 1 + n;
  }
  return 0;
}
