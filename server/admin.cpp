// The server's admin calls (server.h): enrollment tokens, devices,
// revocation, the exception queue, export. Any thread; each takes the
// server's mutex (server_impl.h).
#include <algorithm>

#include "node/exceptions.h"
#include "node/model.h"
#include "server/internal/server_impl.h"
#include "sync/ticket.h"

namespace fieldsync::server {

using sync::Errc;
using sync::Id;
using namespace fieldsync::net;

Result<std::string> Server::enrollToken(std::string_view branch, std::string_view role, std::int64_t valid_ms,
                                        std::string_view host, std::uint16_t port) {
  static constexpr std::string_view kRoles[] = {"technician", "warehouse", "driver", "supervisor"};
  if (std::find(std::begin(kRoles), std::end(kRoles), role) == std::end(kRoles))
    return sync::fail(Errc::invalid_input, "--role: '" + std::string(role) +
                                               "' is not one of: technician, warehouse, driver, supervisor");
  auto branch_ok = node::fieldText("--branch", branch, node::kMaxNameBytes, "name the branch");
  if (!branch_ok) return branch_ok.error();
  branch = *branch_ok;
  if (valid_ms <= 0) return sync::fail(Errc::invalid_input, "--expires: must be positive");
  auto held = impl_->lock();
  sync::Address address{std::string(host), port};
  if (address.host.empty()) {  // where this server last listened
    auto saved = impl_->guarded([&]() -> Result<std::string> { return impl_->store->meta("address").value_or(""); });
    if (!saved) return saved.error();
    if (saved->empty())
      return sync::fail(Errc::invalid_input, "--address: the server has not listened yet; give HOST:PORT");
    auto parsed = sync::parseAddress(*saved);
    if (!parsed) return sync::fail(Errc::internal, "server.db is damaged: its address " + parsed.error().message);
    address = *parsed;
  }
  const Id token = sync::randomId();
  const std::int64_t expires = impl_->now() + valid_ms;
  auto ok = impl_->guarded([&]() -> Status {
    impl_->store->addToken(sync::hashBytes(token.view()), std::string(branch), std::string(role), expires);
    return {};
  });
  if (!ok) return ok.error();
  return sync::encodeTicket({address.host, address.port, impl_->signing_key.publicKey(), std::string(token.view()),
                             std::string(impl_->merged->company()), std::string(branch), std::string(role),
                             static_cast<std::uint64_t>(expires)});
}

Result<std::vector<Device>> Server::devices() {
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Result<std::vector<Device>> { return impl_->store->devices(); });
}

Status Server::revoke(std::string_view device_hex) {
  auto id = Id::fromHex(device_hex);
  if (!id) return sync::fail(Errc::invalid_input, "DEVICE: " + id.error().message);
  auto held = impl_->lock();
  auto known = impl_->guarded([&]() -> Result<bool> { return impl_->store->revoke(*id, impl_->now()); });
  if (!known) return known.error();
  if (!*known) return sync::fail(Errc::not_found, "DEVICE: " + std::string(device_hex) + " is not an enrolled device");
  // Its open sessions end now (one revoked by another process, within a
  // second: the serving process watches for revocations).
  asio::post(impl_->io, [impl = impl_.get(), node = *id] {
    impl->endSessionsOf(node, 0, "device " + node.hex() + " was revoked");
  });
  return {};
}

Result<std::vector<node::ExceptionRow>> Server::exceptions(bool include_resolved) {
  auto held = impl_->lock();
  return node::Exceptions(*impl_->merged).list(include_resolved);
}

Result<node::ExceptionView> Server::showException(std::string_view ref) {
  auto held = impl_->lock();
  return node::Exceptions(*impl_->merged).show(ref);
}

Result<node::Resolved> Server::resolveException(std::string_view ref, const node::Resolution& how) {
  auto held = impl_->lock();
  auto r = node::Exceptions(*impl_->merged).resolve(ref, how);
  if (!r) return r;
  if (auto ok = impl_->pipeline->forward(); !ok) return ok.error();
  return r;
}

Result<std::string> Server::exportJson() {
  auto held = impl_->lock();
  return impl_->merged->exportJson();
}

Result<std::string> Server::digest() {
  auto held = impl_->lock();
  return impl_->merged->digest();
}

Result<std::uint64_t> Server::opCount() {
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Result<std::uint64_t> { return impl_->store->opCount(); });
}

}  // namespace fieldsync::server
