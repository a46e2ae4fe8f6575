// Bytes: hex text, big-endian integers and decimal counters. The project's
// one hex codec (libsodium's sodium_bin2hex / sodium_hex2bin underneath),
// its one writer and reader of fixed-width big-endian integers (ids, the
// handshake transcript, digests, frames, ledger blocks), and the reader of
// counters kept as text (stored sequences, cursors, ports). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sync/result.h"

namespace fieldsync::sync {

std::string toHex(std::string_view bytes);  // lower case, two digits a byte
// Errc::invalid_input naming the text when it is not an even number of hex digits.
Result<std::string> fromHex(std::string_view hex);

// Appends the low `width` bytes of `v`, most significant first; width 1 to 8.
void appendBigEndian(std::string& out, std::uint64_t v, std::size_t width);
// Reads `bytes` (1 to 8 of them) as one big-endian number.
std::uint64_t readBigEndian(std::string_view bytes);

// A decimal unsigned integer and nothing else; Errc::malformed naming `what`.
Result<std::uint64_t> parseUnsigned(std::string_view text, std::string_view what);

}  // namespace fieldsync::sync
