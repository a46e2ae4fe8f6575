#include "sync/id.h"

#include <sodium.h>

#include "sync/bytes.h"
#include "sync/internal/blake2b.h"

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

}  // namespace

std::string Id::hex() const { return toHex(view()); }

Result<Id> Id::fromHex(std::string_view hex) {
  if (hex.size() != 32) return fail(Errc::invalid_input, "an id is 32 hex digits, got " + std::to_string(hex.size()) + " characters");
  auto raw = sync::fromHex(hex);
  if (!raw) return fail(Errc::invalid_input, "an id is 32 hex digits, found '" + std::string(hex) + "'");
  return fromBytes(*raw);
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
  Blake2b hash(16, std::string_view(reinterpret_cast<const char*>(key), sizeof key));
  for (std::string_view part : parts) hash.part(part);
  Id id;
  hash.finish(id.bytes.data());
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
