#include "sync/ticket.h"

#include <sodium.h>

#include "fieldsync.pb.h"
#include "sync/bytes.h"
#include "sync/op.h"

namespace fieldsync::sync {

namespace {
constexpr std::string_view kPrefix = "fs1:";
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
}  // namespace

Result<Address> parseAddress(std::string_view text, bool allow_any_port) {
  const auto colon = text.rfind(':');
  auto port = parseUnsigned(colon == std::string_view::npos ? "" : text.substr(colon + 1), "port");
  if (colon == std::string_view::npos || colon == 0 || !port || *port > 65535 || (*port == 0 && !allow_any_port))
    return fail(Errc::invalid_input, "'" + std::string(text.substr(0, 80)) + "' is not HOST:PORT");
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);  // [::1]
  return Address{std::string(host), static_cast<std::uint16_t>(*port)};
}

std::string encodeTicket(const EnrollmentTicket& t) {
  fieldsync::v1::EnrollmentTicket m;
  m.set_host(t.host);
  m.set_port(t.port);
  m.set_server_key(std::string(reinterpret_cast<const char*>(t.server_key.data()), t.server_key.size()));
  m.set_token(t.token);
  m.set_company(t.company);
  m.set_branch(t.branch);
  m.set_role(t.role);
  m.set_expires_ms(t.expires_ms);
  m.set_person(t.person);
  const std::string raw = m.SerializeAsString();
  std::string out(sodium_base64_encoded_len(raw.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL
  return std::string(kPrefix) + out;
}

Result<EnrollmentTicket> decodeTicket(std::string_view text) {
  auto bad = [](const std::string& why) { return fail(Errc::invalid_input, "enrollment string: " + why); };
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text.substr(0, kPrefix.size()) != kPrefix) return bad("it must start with 'fs1:'");
  text.remove_prefix(kPrefix.size());
  std::string raw(text.size(), '\0');
  std::size_t len = 0;
  if (text.size() > 4096) return bad("it is " + std::to_string(text.size()) + " characters long, too long to be one");
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, kVariant) != 0)
    return bad("it is damaged (not base64url); copy it again");
  fieldsync::v1::EnrollmentTicket m;
  if (!m.ParseFromArray(raw.data(), static_cast<int>(len))) return bad("it is damaged; copy it again");
  auto key = publicKeyFromBytes(m.server_key());
  if (!key || m.token().size() != 16 || m.host().empty() || m.port() == 0 || m.port() > 65535)
    return bad("it is incomplete; copy it again");
  for (const std::string* field : {&m.host(), &m.company(), &m.branch(), &m.role(), &m.person()})
    if (!isValidUtf8(*field)) return bad("it is damaged (text that is not UTF-8); copy it again");
  return EnrollmentTicket{m.host(), static_cast<std::uint16_t>(m.port()), *key, m.token(), m.company(),
                          m.branch(), m.role(), m.expires_ms(), m.person()};
}

}  // namespace fieldsync::sync
