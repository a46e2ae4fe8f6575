#include "sync/id.h"

#include <sodium.h>

#include <cctype>
#include <cstring>
#include <mutex>

namespace fieldsync::sync {
namespace {

void ensureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no usable randomness: nothing is safe
  });
}

void appendLengthPrefixed(crypto_generichash_state& st, std::string_view part) {
  std::uint8_t len[8];
  std::uint64_t n = part.size();
  for (int i = 7; i >= 0; --i, n >>= 8) len[i] = static_cast<std::uint8_t>(n & 0xFF);
  crypto_generichash_update(&st, len, sizeof len);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(part.data()), part.size());
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Id::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return out;
}

Result<Id> Id::fromHex(std::string_view hex) {
  Id id;
  if (hex.size() != 32) return fail(Errc::invalid_input, "an id is 32 hex digits, got " + std::to_string(hex.size()) + " characters");
  for (std::size_t i = 0; i < 16; ++i) {
    int hi = hexDigit(hex[2 * i]), lo = hexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(Errc::invalid_input, "an id is 32 hex digits, found '" + std::string(hex) + "'");
    id.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return id;
}

Result<Id> Id::fromBytes(std::string_view raw) {
  if (raw.size() != 16) return fail(Errc::malformed, "an id is 16 bytes, got " + std::to_string(raw.size()));
  Id id;
  std::memcpy(id.bytes.data(), raw.data(), 16);
  return id;
}

std::size_t IdHash::operator()(const Id& id) const noexcept {
  std::size_t h;
  std::memcpy(&h, id.bytes.data(), sizeof h);  // ids are random or hashes: any 8 bytes will do
  return h;
}

Id randomId() {
  ensureSodium();
  Id id;
  randombytes_buf(id.bytes.data(), id.bytes.size());
  return id;
}

Id naturalId(std::string_view kind, std::initializer_list<std::string_view> parts) {
  ensureSodium();
  // The key of a kind: BLAKE2b-256("fieldsync.v1/natural-id/" + kind).
  const std::string label = "fieldsync.v1/natural-id/" + std::string(kind);
  unsigned char key[crypto_generichash_KEYBYTES];
  crypto_generichash(key, sizeof key, reinterpret_cast<const unsigned char*>(label.data()), label.size(),
                     nullptr, 0);
  crypto_generichash_state st;
  crypto_generichash_init(&st, key, sizeof key, 16);
  for (std::string_view part : parts) appendLengthPrefixed(st, part);
  Id id;
  crypto_generichash_final(&st, id.bytes.data(), id.bytes.size());
  sodium_memzero(key, sizeof key);
  return id;
}

std::string normaliseSerial(std::string_view serial) {
  auto isSpace = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!serial.empty() && isSpace(serial.front())) serial.remove_prefix(1);
  while (!serial.empty() && isSpace(serial.back())) serial.remove_suffix(1);
  std::string out(serial);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Id unitId(const Id& company, const Id& item, std::string_view serial) {
  return naturalId("unit", {company.view(), item.view(), normaliseSerial(serial)});
}

}  // namespace fieldsync::sync
