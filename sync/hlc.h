// Hybrid logical clock (HLC).
//
// A timestamp is one uint64_t: the high 48 bits are milliseconds since the
// Unix epoch, the low 16 bits a counter that orders events within one
// millisecond. Invariants, for one Hlc object:
//  - now() and receive() return strictly increasing timestamps;
//  - after receive(r), every later timestamp is greater than r, unless r was
//    further ahead of the wall clock than max_ahead_ms: such a remote is not
//    adopted (one bad clock must not drag every replica into its future), the
//    call reports it, and the caller still applies the op (sync never stops
//    for a bad clock; the server flags it);
//  - when the counter would overflow, the millisecond part advances by one.
// The wall clock is injected so tests and simulations control it.
// Not thread-safe: one owner (the node's store) advances it.
#pragma once

#include <cstdint>
#include <functional>

namespace fieldsync::sync {

using HlcTime = std::uint64_t;

constexpr HlcTime makeHlc(std::uint64_t millis, std::uint16_t counter) {
  return (millis << 16) | counter;
}
constexpr std::uint64_t hlcMillis(HlcTime t) { return t >> 16; }
constexpr std::uint16_t hlcCounter(HlcTime t) { return static_cast<std::uint16_t>(t & 0xFFFF); }

class Hlc {
 public:
  using WallClock = std::function<std::uint64_t()>;  // milliseconds since the epoch
  static constexpr std::uint64_t kDefaultMaxAheadMs = 60 * 60 * 1000;

  // `last` restores a clock persisted before a restart.
  explicit Hlc(WallClock wall, std::uint64_t max_ahead_ms = kDefaultMaxAheadMs, HlcTime last = 0);

  static WallClock systemClock();

  HlcTime now();

  struct Received {
    HlcTime time;      // the local clock after the receive
    bool far_ahead;    // the remote was beyond max_ahead_ms and was not adopted
  };
  Received receive(HlcTime remote);

  HlcTime last() const { return last_; }

 private:
  HlcTime advance(std::uint64_t millis, std::uint32_t counter);

  WallClock wall_;
  std::uint64_t max_ahead_ms_;
  HlcTime last_;
};

}  // namespace fieldsync::sync
