#include "sync/hlc.h"

#include <catch2/catch.hpp>

using namespace fieldsync::sync;

namespace {
struct FakeWall {
  std::uint64_t ms = 1'700'000'000'000;
  Hlc::WallClock clock() {
    return [this] { return ms; };
  }
};
}  // namespace

TEST_CASE("the hlc is strictly monotonic even when the wall clock stands still or goes back", "[sync][hlc]") {
  FakeWall wall;
  Hlc hlc(wall.clock());
  HlcTime prev = hlc.now();
  CHECK(hlcMillis(prev) == wall.ms);
  for (int step = 0; step < 1000; ++step) {
    if (step % 7 == 0) wall.ms -= 3;  // NTP steps the clock back
    if (step % 11 == 0) wall.ms += 5;
    HlcTime t = hlc.now();
    REQUIRE(t > prev);
    prev = t;
  }
}

TEST_CASE("the hlc follows the wall clock when it moves forward", "[sync][hlc]") {
  FakeWall wall;
  Hlc hlc(wall.clock());
  hlc.now();
  wall.ms += 10;
  CHECK(hlc.now() == makeHlc(wall.ms, 0));
}

TEST_CASE("receiving a remote time ahead of the local clock moves the local clock past it", "[sync][hlc]") {
  FakeWall wall;
  Hlc hlc(wall.clock());
  const HlcTime remote = makeHlc(wall.ms + 5000, 42);
  auto r = hlc.receive(remote);
  CHECK_FALSE(r.far_ahead);
  CHECK(r.time == makeHlc(wall.ms + 5000, 43));
  CHECK(hlc.now() > remote);
}

TEST_CASE("receiving a remote time behind the local clock keeps the local clock", "[sync][hlc]") {
  FakeWall wall;
  Hlc hlc(wall.clock());
  const HlcTime before = hlc.now();
  auto r = hlc.receive(makeHlc(wall.ms - 60'000, 7));
  CHECK_FALSE(r.far_ahead);
  CHECK(r.time > before);
  CHECK(hlcMillis(r.time) == wall.ms);
}

TEST_CASE("receiving the same millisecond takes the larger counter plus one", "[sync][hlc]") {
  FakeWall wall;
  Hlc hlc(wall.clock());
  hlc.now();  // (ms, 0)
  CHECK(hlc.receive(makeHlc(wall.ms, 9)).time == makeHlc(wall.ms, 10));
}

TEST_CASE("counter overflow borrows the next millisecond and stays monotonic", "[sync][hlc]") {
  FakeWall wall;
  Hlc hlc(wall.clock());
  HlcTime prev = hlc.now();
  for (int i = 0; i < 70'000; ++i) {  // the wall clock never moves
    HlcTime t = hlc.now();
    REQUIRE(t > prev);
    prev = t;
  }
  CHECK(hlcMillis(prev) == wall.ms + 1);
  CHECK(hlcCounter(prev) == 70'000 - 65'536);

  Hlc other(wall.clock());
  CHECK(other.receive(makeHlc(wall.ms, 0xFFFF)).time == makeHlc(wall.ms + 1, 0));
}

TEST_CASE("a remote far in the future is reported and not adopted, and the clock keeps working", "[sync][hlc]") {
  FakeWall wall;
  Hlc hlc(wall.clock(), /*max_ahead_ms=*/60'000);
  const HlcTime before = hlc.now();
  auto r = hlc.receive(makeHlc(wall.ms + 365ull * 24 * 3600 * 1000, 0));  // a year ahead
  CHECK(r.far_ahead);
  CHECK(r.time > before);
  CHECK(hlcMillis(r.time) == wall.ms);
  wall.ms += 1;
  CHECK(hlc.now() == makeHlc(wall.ms, 0));

  // Just inside the bound is adopted.
  auto near = hlc.receive(makeHlc(wall.ms + 60'000, 0));
  CHECK_FALSE(near.far_ahead);
  CHECK(near.time == makeHlc(wall.ms + 60'000, 1));
}

TEST_CASE("an hlc restored from its persisted value never repeats a timestamp", "[sync][hlc]") {
  FakeWall wall;
  Hlc first(wall.clock());
  HlcTime t = 0;
  for (int i = 0; i < 10; ++i) t = first.now();
  wall.ms -= 1000;  // the device rebooted with a clock that is behind
  Hlc restored(wall.clock(), Hlc::kDefaultMaxAheadMs, first.last());
  CHECK(restored.now() > t);
}
