#include "sync/id.h"

#include <catch2/catch.hpp>

using namespace fieldsync::sync;

TEST_CASE("an id prints as 32 hex digits and parses back", "[sync][id]") {
  Id id = randomId();
  auto back = Id::fromHex(id.hex());
  REQUIRE(back);
  CHECK(*back == id);
  CHECK(id.hex().size() == 32);
}

TEST_CASE("a malformed id is an input error that says what was wrong", "[sync][id]") {
  auto short_id = Id::fromHex("abc");
  REQUIRE_FALSE(short_id);
  CHECK(short_id.error().code == Errc::invalid_input);
  CHECK_THAT(short_id.error().message, Catch::Contains("32 hex digits"));
  CHECK_FALSE(Id::fromHex(std::string(31, '0') + "g"));
  CHECK_FALSE(Id::fromBytes("fifteen bytes!!"));
}

TEST_CASE("random ids differ", "[sync][id]") {
  CHECK(randomId() != randomId());
  CHECK_FALSE(randomId().isZero());
}

TEST_CASE("a unit registered twice offline with differently typed serials gets one id", "[sync][id]") {
  const Id company = randomId(), item = randomId();
  CHECK(unitId(company, item, "  sn-0042 ") == unitId(company, item, "SN-0042"));
  CHECK(unitId(company, item, "SN-0042") != unitId(company, item, "SN-0043"));
  CHECK(unitId(company, item, "SN-0042") != unitId(company, randomId(), "SN-0042"));
  CHECK(normaliseSerial("\t ab-12c\n") == "AB-12C");
}

TEST_CASE("codes and serials are normalised the way people type them, beyond ASCII", "[sync][id]") {
  const Id company = randomId(), item = randomId();
  auto id = [&](std::string_view serial) { return unitId(company, item, serial); };
  CHECK(id("SN-1001\u00a0") == id("SN-1001"));                // a trailing no-break space
  CHECK(id("\u2003SN-1001\u3000") == id("SN-1001"));          // em and ideographic spaces
  CHECK(id("CAF\u00c9-7") == id("CAFE\u0301-7"));             // NFC and NFD
  CHECK(id("caf\u00e9-7") == id("CAF\u00c9-7"));              // case beyond ASCII
  CHECK(id("SN\u200b-1001") == id("SN-1001"));                 // a zero-width space
  CHECK(id("SN-10\u00ad01") == id("SN-1001"));                 // a soft hyphen
  CHECK(id("CAF\u00c9-7") != id("CAFE-7"));                    // an accent still counts
  CHECK(id("\u00df-1") == id("SS-1"));                        // case folding: "ß" is "ss"
  CHECK(id("\ufb01-1") == id("FI-1"));                        // a ligature is its letters
  CHECK(id("\uff33\uff2e-1001") == id("SN-1001"));            // full-width letters are letters
  CHECK(normaliseSerial(" stra\u00dfe ") == "STRASSE");
  CHECK(normaliseSerial("\u00e9") == "\u00c9");
  // Found by fuzzing: a dotless i and a combining breve upper-case to a pair
  // that composes; the key is composed, so normalising twice changes nothing.
  CHECK(normaliseSerial("\u0131\u0311\u00a0") == "\u020a");
  CHECK(normaliseSerial(normaliseSerial("\u0131\u0311\u00a0")) == "\u020a");
  CHECK(normaliseSerial("sn-1\xff") == "SN-1\xff");           // not UTF-8: compared as bytes
  CHECK(normaliseText(" Stra\u00dfe\u200b ") == "Stra\u00dfe");  // free text keeps its letters and case
}

TEST_CASE("natural ids depend on the kind and cannot be confused by moving bytes between parts", "[sync][id]") {
  CHECK(naturalId("unit", {"ab", "c"}) != naturalId("unit", {"a", "bc"}));
  CHECK(naturalId("unit", {"x"}) != naturalId("exception", {"x"}));
  CHECK(naturalId("unit", {"x"}) == naturalId("unit", {"x"}));
}

TEST_CASE("natural ids match the documented test vectors", "[sync][id]") {
  // docs/op-model.md; computed independently with Python's hashlib.blake2b.
  CHECK(naturalId("unit", {"x"}).hex() == "b4a9ca5a13c7568481f7dd1297fd0f74");
  Id company, item;
  for (std::uint8_t i = 0; i < 16; ++i) {
    company.bytes[i] = i;
    item.bytes[i] = static_cast<std::uint8_t>(16 + i);
  }
  CHECK(unitId(company, item, " sn-0042").hex() == "048652f5729ab6abf9bbc9028598cdf7");
}
