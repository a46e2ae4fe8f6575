#include "sync/ticket.h"

#include <catch2/catch.hpp>

using namespace fieldsync::sync;

TEST_CASE("a server address is HOST:PORT, with IPv6 hosts in brackets", "[sync][ticket]") {
  auto v4 = parseAddress("127.0.0.1:7420");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 7420);
  CHECK(v4->text() == "127.0.0.1:7420");
  auto v6 = parseAddress("[::1]:7420");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->text() == "[::1]:7420");
  CHECK(parseAddress("host.example:0", true)->port == 0);  // listen on any free port
  for (const char* bad : {"", "7420", ":7420", "host:", "host:0", "host:65536", "host:12x", "host:-1"}) {
    INFO(bad);
    auto r = parseAddress(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_input);
  }
}

TEST_CASE("an enrollment string round-trips, and a damaged one is named, never logged by protobuf", "[sync][ticket]") {
  const EnrollmentTicket t{"srv.example", 7420, PublicKey{}, std::string(16, 'k'), "ACME SERVICE", "north",
                           "technician", 1'767'225'600'000};
  auto back = decodeTicket(encodeTicket(t));
  REQUIRE(back);
  CHECK(back->host == "srv.example");
  CHECK(back->company == "ACME SERVICE");
  CHECK(back->expires_ms == t.expires_ms);

  EnrollmentTicket bad_text = t;
  bad_text.host = "srv\xff";
  auto damaged = decodeTicket(encodeTicket(bad_text));
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().message == "enrollment string: it is damaged (text that is not UTF-8); copy it again");

  auto long_one = decodeTicket("fs1:" + std::string(5000, 'A'));
  REQUIRE_FALSE(long_one);
  CHECK(long_one.error().message == "enrollment string: it is 5000 characters long, too long to be one");
}
