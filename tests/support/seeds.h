// Seeded scenarios: ids drawn from the scenario's own generator, so that a
// seed replays the same run to the byte (ties between equal clocks are
// broken by node ids), and a runner that replays one seed on demand.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>

#include "sync/id.h"

namespace fieldsync::test {

inline sync::Id seededId(std::mt19937_64& rng) {
  sync::Id id;
  for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
  return id;
}

// Runs scenario(seed) for `count` seeds from `first`; a scenario returns
// what broke, or nothing. FIELDSYNC_SEED=N replays only seed N;
// FIELDSYNC_SCENARIOS=N changes the count.
inline void runSeeds(std::uint64_t first, std::uint64_t count, const std::function<std::string(std::uint64_t)>& scenario) {
  if (const char* one = std::getenv("FIELDSYNC_SEED")) {
    first = std::strtoull(one, nullptr, 10);
    count = 1;
  } else if (const char* n = std::getenv("FIELDSYNC_SCENARIOS")) {
    count = std::strtoull(n, nullptr, 10);
  }
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const std::string broken = scenario(seed);
    INFO("seed " << seed << ": " << broken << " (replay with FIELDSYNC_SEED=" << seed << ")");
    REQUIRE(broken.empty());
  }
}

}  // namespace fieldsync::test
