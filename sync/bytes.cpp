#include "sync/bytes.h"

#include <sodium.h>

#include <cassert>
#include <charconv>

namespace fieldsync::sync {

std::string toHex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.pop_back();  // the terminating NUL
  return out;
}

Result<std::string> fromHex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &len,
                     &end) != 0 ||
      end != hex.data() + hex.size())
    return fail(Errc::invalid_input, "'" + std::string(hex.substr(0, 80)) + "' is not hex");
  out.resize(len);
  return out;
}

void appendBigEndian(std::string& out, std::uint64_t v, std::size_t width) {
  assert(width >= 1 && width <= 8);
  for (std::size_t i = width; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t readBigEndian(std::string_view bytes) {
  assert(!bytes.empty() && bytes.size() <= 8);
  std::uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

Result<std::uint64_t> parseUnsigned(std::string_view text, std::string_view what) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return fail(Errc::malformed, std::string(what) + ": '" + std::string(text.substr(0, 40)) + "' is not a number");
  return v;
}

}  // namespace fieldsync::sync
