// Console: the administrator's web console and the Prometheus endpoint of
// a serving fieldsync-server (docs/server.md, "The console", "Metrics").
//
// HTTP/1.1 (Boost.Beast) on a port of its own (`--admin-listen`), on a
// thread of its own, so a slow page never holds up a device's sync. It
// serves the static pages of server/console/web (compiled into the
// program: nothing to install) and a JSON API they call, both over the
// Server's admin calls; GET /metrics needs no sign-in (bind it to a
// private address), everything under /api does:
//
// - Sign-in with the administrator password (Server::setAdminPassword):
//   a session cookie, HttpOnly, SameSite=Strict, 8 hours. Five wrong
//   passwords from one address lock it out for a minute.
// - CSRF: every POST carries X-CSRF-Token, the session's token (before
//   sign-in: the token of the login cookie), which a page of another site
//   can neither read nor send (a custom header needs CORS, never granted).
// - Responses carry a Content-Security-Policy of 'self' only; pages build
//   their tables with textContent, never markup from data.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "server/server.h"

namespace fieldsync::server {

class Console {
 public:
  explicit Console(Server& server);  // borrows it: the server outlives the console
  ~Console();
  Result<std::uint16_t> listen(const std::string& host, std::uint16_t port);  // port 0: any free port
  void run();   // serves on the calling thread until stop()
  void stop();  // from any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldsync::server
