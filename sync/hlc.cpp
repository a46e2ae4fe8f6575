#include "sync/hlc.h"

#include <algorithm>
#include <chrono>

namespace fieldsync::sync {

Hlc::Hlc(WallClock wall, std::uint64_t max_ahead_ms, HlcTime last)
    : wall_(std::move(wall)), max_ahead_ms_(max_ahead_ms), last_(last) {}

Hlc::WallClock Hlc::systemClock() {
  return [] {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  };
}

HlcTime Hlc::advance(std::uint64_t millis, std::uint32_t counter) {
  if (counter > 0xFFFF) {  // counter exhausted: borrow the next millisecond
    ++millis;
    counter = 0;
  }
  last_ = makeHlc(millis, static_cast<std::uint16_t>(counter));
  return last_;
}

HlcTime Hlc::now() {
  const std::uint64_t wall = wall_();
  if (wall > hlcMillis(last_)) return advance(wall, 0);
  return advance(hlcMillis(last_), hlcCounter(last_) + 1u);
}

Hlc::Received Hlc::receive(HlcTime remote) {
  const std::uint64_t wall = wall_();
  const std::uint64_t remote_ms = hlcMillis(remote);
  if (remote_ms > wall && remote_ms - wall > max_ahead_ms_) return {now(), true};

  const std::uint64_t last_ms = hlcMillis(last_);
  const std::uint64_t ms = std::max({wall, last_ms, remote_ms});
  std::uint32_t counter = 0;
  if (ms == last_ms && ms == remote_ms) {
    counter = std::max(hlcCounter(last_), hlcCounter(remote)) + 1u;
  } else if (ms == last_ms) {
    counter = hlcCounter(last_) + 1u;
  } else if (ms == remote_ms) {
    counter = hlcCounter(remote) + 1u;
  }
  return {advance(ms, counter), false};
}

}  // namespace fieldsync::sync
