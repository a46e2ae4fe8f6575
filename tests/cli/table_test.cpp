#include "cli/table.h"

#include <catch2/catch.hpp>

#include "cli/program.h"

using namespace fieldsync::cli;

TEST_CASE("a table prints aligned text and JSON with the same typed values", "[cli]") {
  const Table t{{"item", "qty", "at", "forced", "note"},
                {{std::string("SEAL"), Qty{2500}, Time{1'767'225'600'000}, true, std::monostate{}},
                 {std::string("PUMP-Ä"), Qty{-1000}, Time{0}, false, std::string()}}};
  CHECK(toText(t) ==
        "item    qty  at                    forced  note\n"
        "SEAL    2.5  2026-01-01T00:00:00Z  yes     -\n"
        "PUMP-Ä  -1   1970-01-01T00:00:00Z  no      -\n");
  CHECK(toJson(t) ==
        R"([{"item":"SEAL","qty":2.5,"at":"2026-01-01T00:00:00Z","forced":true,"note":null},)"
        R"({"item":"PUMP-Ä","qty":-1,"at":"1970-01-01T00:00:00Z","forced":false,"note":""}])");
  CHECK(toText({{"x"}, {}}) == "(none)\n");
}

TEST_CASE("columns line up by display width: wide characters take two, combining marks none", "[cli]") {
  const Table t{{"code", "n"},
                {{std::string("\xe6\x9d\xb1\xe4\xba\xac"), std::int64_t{1}},  // two wide characters
                 {std::string("Cafe\xcc\x81"), std::int64_t{2}},               // e + combining acute
                 {std::string("ABCD"), std::int64_t{3}}}};
  CHECK(toText(t) ==
        "code  n\n"
        "\xe6\x9d\xb1\xe4\xba\xac  1\n"
        "Cafe\xcc\x81  2\n"
        "ABCD  3\n");
}

TEST_CASE("text that would steer a terminal is shown escaped, and JSON stays valid", "[cli]") {
  const Table t{{"name"}, {{std::string("red\x1b[31m\nnext\tcol\x7f\xc2\x9b!")}}};
  CHECK(toText(t) == "name\nred\\x1b[31m\\nnext\\tcol\\x7f\\x9b!\n");
  CHECK(toJson(t) == "[{\"name\":\"red\\u001b[31m\\nnext\\tcol\x7f\xc2\x9b!\"}]");  // DEL and C1 are valid JSON
  const Table bad{{"name"}, {{std::string("a\xff")}}};  // not UTF-8: replaced, not thrown
  CHECK(toJson(bad) == "[{\"name\":\"a\xef\xbf\xbd\"}]");
}

TEST_CASE("durations read as people write them, and nothing else", "[cli]") {
  CHECK(*parseDuration("90s", "--x") == 90'000);
  CHECK(*parseDuration("30m", "--x") == 1'800'000);
  CHECK(*parseDuration("24h", "--x") == 86'400'000);
  CHECK(*parseDuration("7d", "--x") == 604'800'000);
  for (const char* bad : {"", "5", "0m", "m", "-5m", "5w", "1.5h", "99999999999d"}) {
    INFO(bad);
    auto r = parseDuration(bad, "--expires");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::StartsWith("--expires:"));
  }
}

TEST_CASE("each error code maps to the exit code the programs document", "[cli]") {
  using fieldsync::sync::Errc;
  CHECK(exitCode(Errc::invalid_input) == kRefused);
  CHECK(exitCode(Errc::refused) == kRefused);
  CHECK(exitCode(Errc::not_found) == kRefused);
  CHECK(exitCode(Errc::denied) == kRefused);
  CHECK(exitCode(Errc::unavailable) == kUnavailable);
  CHECK(exitCode(Errc::malformed) == kInternal);
  CHECK(exitCode(Errc::internal) == kInternal);
}
