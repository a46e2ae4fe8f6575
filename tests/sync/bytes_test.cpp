#include "sync/bytes.h"

#include <catch2/catch.hpp>

using namespace fieldsync::sync;

TEST_CASE("bytes print as lower-case hex and parse back, anything else is an input error", "[sync][bytes]") {
  const std::string raw("\x00\x7f\x80\xff", 4);
  CHECK(toHex(raw) == "007f80ff");
  auto back = fromHex("007F80ff");
  REQUIRE(back);
  CHECK(*back == raw);
  for (const char* bad : {"0", "0g", "00 ", "x0"}) {
    auto r = fromHex(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_input);
  }
}

TEST_CASE("big-endian integers are written most significant byte first, in the width asked", "[sync][bytes]") {
  std::string out;
  appendBigEndian(out, 0x0102030405060708ULL, 8);
  appendBigEndian(out, 0x1234, 4);
  CHECK(toHex(out) == "0102030405060708" "00001234");
  CHECK(readBigEndian(std::string_view(out).substr(0, 8)) == 0x0102030405060708ULL);
  CHECK(readBigEndian(std::string_view(out).substr(8, 4)) == 0x1234);
  CHECK(readBigEndian("\xff") == 0xff);
}
