// Enrollment tickets: the one string an administrator gives a new device.
// "fs1:" + base64url (no padding) of the EnrollmentTicket message
// (proto/fieldsync.proto): where the server is, its public key to pin, a
// single-use token, and the company, branch and role the device joins.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sync/crypto.h"
#include "sync/result.h"

namespace fieldsync::sync {

struct EnrollmentTicket {
  std::string host;
  std::uint16_t port = 0;
  PublicKey server_key{};
  std::string token;  // 16 bytes
  std::string company, branch, role;
  std::uint64_t expires_ms = 0;
  std::string person;  // a technician's or driver's name (docs/scopes.md); empty for other roles
};

// A server address as written, "HOST:PORT" or "[IPv6]:PORT" (the last
// colon splits; port 1 to 65535, or 0 when `allow_any_port`: listen on any
// free port).
struct Address {
  std::string host;  // without brackets
  std::uint16_t port = 0;
  std::string text() const {
    return (host.find(':') == std::string::npos ? host : "[" + host + "]") + ":" + std::to_string(port);
  }
};
Result<Address> parseAddress(std::string_view text, bool allow_any_port = false);  // Errc::invalid_input

std::string encodeTicket(const EnrollmentTicket& t);
Result<EnrollmentTicket> decodeTicket(std::string_view text);  // Errc::invalid_input, saying what is wrong

}  // namespace fieldsync::sync
