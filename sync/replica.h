// Replica: the in-memory reference model of merged state.
//
// It holds every op it has applied (by op id), the winning write of every
// register (entity type, entity, field) and the set of facts. apply() is
// idempotent and commutative: any order of delivery, with duplicates and
// any batching, ends in the same state, and digest() is a canonical hash of
// that state (registers with their winning stamps, facts by op id), equal on
// every replica that has applied the same set of ops. The node's SQLite
// store and the server must agree with this model; tests compare them.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "sync/op.h"

namespace fieldsync::sync {

struct RegisterKey {
  EntityType entity_type = EntityType::unspecified;
  Id entity;
  FieldId field = 0;
  auto operator<=>(const RegisterKey&) const = default;
};

struct Register {
  Value value;
  Stamp stamp;
};

// Folds registers and facts into one canonical BLAKE2b-256 digest. Feed
// registers in RegisterKey order, then facts in OpId order.
class Digest {
 public:
  Digest();
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  void addRegister(const RegisterKey& key, const Register& reg);
  void addFact(const Op& fact);
  std::string hex();  // finishes the digest; call once

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class Replica {
 public:
  // Applies `op` if its id is new; returns whether it was new.
  // Precondition: validate(op) succeeded.
  bool apply(const Op& op);

  bool has(const OpId& id) const { return ops_.contains(id); }
  std::size_t opCount() const { return ops_.size(); }
  const std::map<OpId, Op>& ops() const { return ops_; }
  const std::map<RegisterKey, Register>& registers() const { return registers_; }

  // The merged value of a register, or nullptr if nothing was written.
  const Register* get(EntityType type, const Id& entity, FieldId field) const;
  bool isDeleted(EntityType type, const Id& entity) const;

  std::string digest() const;

 private:
  std::map<OpId, Op> ops_;  // every applied op; the facts are the ones with isFact()
  std::map<RegisterKey, Register> registers_;
};

}  // namespace fieldsync::sync
