// Blake2b: an incremental BLAKE2b (crypto_generichash) over the framing the
// protocol's hashes share: 8-byte big-endian integers and parts prefixed
// with their length as one. Natural ids, the handshake transcript and the
// replica digest are built with it (docs/op-model.md, docs/protocol.md).
// Internal to fieldsync::sync.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sync/bytes.h"

namespace fieldsync::sync {

class Blake2b {
 public:
  // An unkeyed hash when `key` is empty; `out_bytes` 16 to 64.
  explicit Blake2b(std::size_t out_bytes, std::string_view key = {}) : out_bytes_(out_bytes) {
    crypto_generichash_init(&st_, reinterpret_cast<const unsigned char*>(key.data()), key.size(), out_bytes);
  }
  Blake2b& raw(std::string_view bytes) {
    crypto_generichash_update(&st_, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return *this;
  }
  Blake2b& u64(std::uint64_t v) {
    std::string b;
    appendBigEndian(b, v, 8);
    return raw(b);
  }
  Blake2b& part(std::string_view bytes) { return u64(bytes.size()).raw(bytes); }  // length-prefixed
  void finish(unsigned char* out) { crypto_generichash_final(&st_, out, out_bytes_); }

 private:
  crypto_generichash_state st_;
  std::size_t out_bytes_;
};

}  // namespace fieldsync::sync
