#include "sync/id.h"

#include <sodium.h>

#include "sync/bytes.h"
#include "sync/internal/blake2b.h"

#include <utf8proc.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <vector>

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

namespace {

std::string normaliseAscii(std::string_view text, bool upper) {
  auto isSpace = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  std::string out(text);
  if (upper)
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool isWhiteSpace(utf8proc_int32_t c) {
  switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP: return true;
    default: return (c >= 0x09 && c <= 0x0D) || c == 0x85;
  }
}

std::string normalise(std::string_view text, bool upper) {
  // ASCII keeps its old, cheap form, so the ids of ASCII keys never change.
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return normaliseAscii(text, upper);
  // NFC, without default-ignorable code points (zero-width spaces and
  // joiners, soft hyphens, byte-order marks); a key also folds compatibility
  // forms and case (NFKC_Casefold: full-width letters, ligatures, "ß" as "ss").
  const int key = upper ? UTF8PROC_COMPAT | UTF8PROC_CASEFOLD : 0;
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &mapped, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_IGNORE | key));
  if (n < 0) return normaliseAscii(text, upper);  // not UTF-8: compared as bytes (commands refuse such text)
  std::vector<utf8proc_int32_t> points;
  for (utf8proc_ssize_t at = 0; at < n;) {
    utf8proc_int32_t c = 0;
    at += utf8proc_iterate(mapped + at, n - at, &c);
    points.push_back(c);
  }
  std::free(mapped);
  auto first = std::find_if_not(points.begin(), points.end(), isWhiteSpace);
  auto last = std::find_if_not(points.rbegin(), std::make_reverse_iterator(first), isWhiteSpace).base();
  std::string out;
  for (auto it = first; it != last; ++it) {
    utf8proc_uint8_t buf[4];
    const auto len = utf8proc_encode_char(upper ? utf8proc_toupper(*it) : *it, buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  }
  if (!upper) return out;
  // Upper case can make a pair that composes (dotless i and a combining
  // breve become I and the breve: U+020A): compose again, so that a key
  // normalised twice is the key normalised once.
  utf8proc_uint8_t* composed = nullptr;
  const utf8proc_ssize_t m =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(out.data()), static_cast<utf8proc_ssize_t>(out.size()),
                   &composed, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (m >= 0) out.assign(reinterpret_cast<const char*>(composed), static_cast<std::size_t>(m));
  std::free(composed);
  return out;
}

}  // namespace

std::string normaliseSerial(std::string_view text) { return normalise(text, true); }
std::string normaliseText(std::string_view text) { return normalise(text, false); }

Id unitId(const Id& company, const Id& item, std::string_view serial) {
  return naturalId("unit", {company.view(), item.view(), normaliseSerial(serial)});
}

}  // namespace fieldsync::sync
