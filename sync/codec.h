// Codec: ops to bytes and back (proto/fieldsync.proto, docs/op-encoding.md).
//
// encodeOp() writes one op with every id spelled out (the stored and signed
// form). encodeBatch() writes many ops compactly: each node and entity id
// once per batch, sequence numbers and HLCs as deltas, fields by number.
// Decoding treats its input as untrusted: any malformed input (truncated,
// bad lengths, unknown enum values, wrong wire types, unknown fields,
// out-of-range indexes, invalid ops) is an Errc::malformed error, never a
// crash, and input over the limits is refused before it is parsed.
// Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sync/op.h"
#include "sync/result.h"

namespace fieldsync::sync {

struct DecodeLimits {
  std::size_t max_bytes = 2u << 20;   // a push batch is at most 1 MiB; leave room
  std::size_t max_fields = 256;       // per op
};

std::string encodeOp(const Op& op);
Result<Op> decodeOp(std::string_view bytes, const DecodeLimits& limits = {});

std::string encodeBatch(std::span<const Op> ops);
Result<std::vector<Op>> decodeBatch(std::string_view bytes, const DecodeLimits& limits = {});

}  // namespace fieldsync::sync
