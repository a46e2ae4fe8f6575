#include "sync/replica.h"

#include <sodium.h>

#include "sync/internal/blake2b.h"

namespace fieldsync::sync {

// Canonical bytes: fixed-width big-endian integers, length-prefixed strings,
// one tag byte per value kind. docs/op-model.md describes the layout.
struct Digest::State {
  Blake2b hash{crypto_generichash_BYTES};

  void u64(std::uint64_t v) { hash.u64(v); }
  void tag(char t) { hash.raw(std::string_view(&t, 1)); }
  void str(std::string_view s) { hash.part(s); }
  void id(const Id& v) { hash.raw(v.view()); }
  void value(const Value& v) {
    tag(static_cast<char>('0' + v.index()));
    std::visit([this](const auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, std::int64_t>) u64(static_cast<std::uint64_t>(x));
      else if constexpr (std::is_same_v<T, std::string>) str(x);
      else if constexpr (std::is_same_v<T, Blob>) str(x.bytes);
      else if constexpr (std::is_same_v<T, bool>) tag(x ? '1' : '0');
    }, v);
  }
};

Digest::Digest() : state_(std::make_unique<State>()) { state_->str("fieldsync.v1/digest"); }

Digest::~Digest() = default;

void Digest::addRegister(const RegisterKey& key, const Register& reg) {
  State& s = *state_;
  s.tag('R');
  s.u64(static_cast<std::uint64_t>(key.entity_type));
  s.id(key.entity);
  s.u64(key.field);
  s.value(reg.value);
  s.u64(reg.stamp.hlc);
  s.id(reg.stamp.node);
  s.u64(reg.stamp.seq);
}

void Digest::addFact(const Op& fact) {
  State& s = *state_;
  s.tag('F');
  s.id(fact.id.node);
  s.u64(fact.id.seq);
  s.u64(fact.hlc);
  s.u64(static_cast<std::uint64_t>(fact.entity_type));
  s.id(fact.entity);
  s.u64(static_cast<std::uint64_t>(fact.fact));
  s.u64(fact.fields.size());
  for (const Field& f : fact.fields) {
    s.u64(f.id);
    s.value(f.value);
  }
}

std::string Digest::hex() {
  unsigned char out[crypto_generichash_BYTES];
  state_->hash.finish(out);
  return toHex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

bool Replica::apply(const Op& op) {
  auto [it, inserted] = ops_.try_emplace(op.id, op);
  if (!inserted) return false;
  if (op.isFact()) return true;
  const Stamp stamp = stampOf(op);
  for (const Field& f : op.fields) {
    auto [reg, fresh] = registers_.try_emplace(RegisterKey{op.entity_type, op.entity, f.id}, Register{f.value, stamp});
    if (!fresh && reg->second.stamp < stamp) reg->second = Register{f.value, stamp};
  }
  return true;
}

const Register* Replica::get(EntityType type, const Id& entity, FieldId field) const {
  auto it = registers_.find(RegisterKey{type, entity, field});
  return it == registers_.end() ? nullptr : &it->second;
}

bool Replica::isDeleted(EntityType type, const Id& entity) const {
  const Register* r = get(type, entity, kDeletedField);
  return r && std::holds_alternative<bool>(r->value) && std::get<bool>(r->value);
}

std::string Replica::digest() const {
  Digest d;
  for (const auto& [key, reg] : registers_) d.addRegister(key, reg);
  for (const auto& [id, op] : ops_)
    if (op.isFact()) d.addFact(op);
  return d.hex();
}

}  // namespace fieldsync::sync
