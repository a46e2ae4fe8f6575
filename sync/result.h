// Result<T>: an expected failure as a value (conventions 6-7).
//
// g++ 12 in C++20 has no std::expected, so Result<T> is a thin type over
// std::variant<T, Error>. Every error code answers "what should the caller
// do next?" through nextStep(): fix its input, retry the same call, restart
// the whole exchange, or stop until an operator acts. The protocol's error
// enum mirrors Errc, so a client's retry policy reads straight off the code.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace fieldsync::sync {

enum class Errc {
  invalid_input,  // the caller's input is wrong (which field, and why, in the message)
  refused,        // a business rule refused valid input; nothing was written
  not_found,      // the thing named does not exist
  malformed,      // bytes from a peer or a file do not decode
  unavailable,    // a transient failure: network down, database busy
  denied,         // not authorised: unenrolled, revoked, outside its rights
  internal,       // a bug or a broken store
};

enum class NextStep { fix_input, retry, restart, stop };

constexpr NextStep nextStep(Errc code) {
  switch (code) {
    case Errc::invalid_input:
    case Errc::refused:
    case Errc::not_found: return NextStep::fix_input;
    case Errc::unavailable: return NextStep::retry;
    case Errc::malformed: return NextStep::restart;
    case Errc::denied:
    case Errc::internal: return NextStep::stop;
  }
  return NextStep::stop;
}

struct Error {
  Errc code = Errc::internal;
  std::string message;
};

// fieldsync.v1.ErrorCode numbers these 1 to 7 in the same order (docs/protocol.md, "Error codes").
constexpr int wireNumber(Errc c) { return static_cast<int>(c) + 1; }
constexpr Errc fromWireNumber(int n) { return n >= 1 && n <= 7 ? static_cast<Errc>(n - 1) : Errc::internal; }

inline Error fail(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace fieldsync::sync
