// Ids: 16 bytes that name a node, an entity or (with a sequence) an op.
//
// Random ids are minted on the device (libsodium's CSPRNG). Natural-key ids
// are a keyed BLAKE2b (crypto_generichash) of the key's parts, so two
// offline replicas that register the same physical thing derive the same id
// without talking to each other. The key of each kind of natural id is fixed
// by the protocol (docs/op-model.md), so every replica computes the same id.
// Thread-safe: all functions are pure or use libsodium's thread-safe RNG.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "sync/result.h"

namespace fieldsync::sync {

struct Id {
  std::array<std::uint8_t, 16> bytes{};

  auto operator<=>(const Id&) const = default;
  bool isZero() const { return *this == Id{}; }
  std::string hex() const;
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

  static Result<Id> fromHex(std::string_view hex);
  static Result<Id> fromBytes(std::string_view raw);  // exactly 16 bytes
};

struct IdHash {
  std::size_t operator()(const Id& id) const noexcept;
};

// A fresh random id.
Id randomId();

// A deterministic id for a natural key: keyed BLAKE2b-128 over the
// length-prefixed parts, with a key derived from `kind` ("unit", "exception").
Id naturalId(std::string_view kind, std::initializer_list<std::string_view> parts);

// A code or serial as it is compared, the key of every natural id: Unicode
// NFKC with case folded (full-width letters, ligatures and "ß" match their
// plain forms), default-ignorable code points (zero-width spaces, soft
// hyphens) dropped, surrounding white space (no-break spaces too) trimmed,
// and every letter upper-cased (utf8proc). Pure ASCII keeps its form: trimmed and
// upper-cased, so the ids of ASCII keys are what they always were.
std::string normaliseSerial(std::string_view serial);
// Free text (a name, a problem description) as it is stored: the same
// without the upper-casing.
std::string normaliseText(std::string_view text);

// A registered unit's id: naturalId("unit", company, item, normalised serial).
Id unitId(const Id& company, const Id& item, std::string_view serial);

}  // namespace fieldsync::sync
