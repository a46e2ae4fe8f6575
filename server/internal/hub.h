// Hub: what a Session asks of the server it belongs to. Internal to
// fieldsync::server. The server implements it (server_impl.h): every call
// runs on the serving thread, does its store work under the server's
// mutex, and never suspends, so a session's coroutine holds no lock across
// a co_await.
#pragma once

#include <cstdint>
#include <string>

#include "fieldsync.pb.h"
#include "server/server.h"
#include "sync/crypto.h"
#include "sync/result.h"

namespace fieldsync::server {

namespace pb = fieldsync::v1;

// What ends a session: sent to the peer as an Error once the channel is sealed.
struct SessionError {
  sync::Errc code;
  std::string message;
};

class Hub {
 public:
  virtual ~Hub() = default;
  virtual const sync::SigningKey& key() const = 0;
  virtual std::int64_t now() = 0;  // ms since the epoch, UTC
  virtual void log(const std::string& line) = 0;
  // The device behind a sealed channel's first message (ClientAuth, or an
  // Enroll that enrolls it); throws SessionError to refuse it.
  virtual Device admit(const pb::Envelope& first, const sync::ServerHandshake& hs, const std::string& who) = 0;
  virtual std::uint64_t head() = 0;  // the server sequence of the newest op in the log
  // A push acknowledged (PushAck) once committed; `device` learns its new watermark.
  virtual pb::Envelope push(Device& device, const pb::Push& push) = 0;
  virtual pb::Envelope pull(const Device& device, const pb::Pull& pull) = 0;  // a PullBatch
  virtual pb::Envelope recover(const Device& device, const pb::Recover& recover) = 0;  // its own ops, a PullBatch
};

}  // namespace fieldsync::server
