// Hub: what a Session asks of the server it belongs to. Internal to
// fieldsync::server. The server implements it (server_impl.h): every call
// runs on the serving thread, does its store work under the server's
// mutex, and never suspends, so a session's coroutine holds no lock across
// a co_await.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fieldsync.pb.h"
#include "node/scope.h"
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

// What a session remembers of its device's scope between pulls (server.cpp,
// docs/scopes.md): the entities the last reply brought in or told it to
// drop count as applied only once the device pulls again on this session.
struct ScopeState {
  std::optional<node::Scope> scope;  // as of scope_head
  std::uint64_t scope_head = 0;
  std::set<sync::Id> index;  // the scope's ids
  std::optional<std::set<node::ScopeKey>> held;  // what the device holds (server.db's scope_held)
  std::vector<node::ScopeKey> entering;  // in the scope, not held: their histories go from `next` on
  std::size_t next = 0;
  std::vector<sync::Id> leaving;  // held, no longer in the scope
  std::vector<node::ScopeKey> sent;  // in the last reply
  std::vector<sync::Id> dropped;
};

// What a session looks for while its device watches (docs/protocol.md,
// "Watch"): ops in the device's scope after `scanned`, which only grows.
// The scope is computed again only when the log grew and an op falls
// outside the one known (it may have brought the device a new entity).
struct WatchState {
  std::uint64_t scanned = 0;
  bool known = false, everything = false;
  std::uint64_t index_head = 0;  // the log's head the index was computed at
  std::set<sync::Id> index;
};

class Hub {
 public:
  virtual ~Hub() = default;
  virtual const sync::SigningKey& key() const = 0;
  virtual std::int64_t now() = 0;  // ms since the epoch, UTC
  virtual void log(const std::string& line, LogLevel level = LogLevel::info) = 0;
  // The device behind a sealed channel's first message (ClientAuth, or an
  // Enroll that enrolls it); throws SessionError to refuse it.
  virtual Device admit(const pb::Envelope& first, const sync::ServerHandshake& hs, const std::string& who) = 0;
  virtual std::uint64_t head() = 0;
  virtual std::string logId() = 0;  // Welcome.log_id: 16 bytes  // the server sequence of the newest op in the log
  // A push acknowledged (PushAck) once committed; `device` learns its new watermark.
  // New entities a pushed batch creates are held by the device from then on (`scope`).
  virtual pb::Envelope push(Device& device, const pb::Push& push, ScopeState& scope) = 0;
  // A PullBatch: the history of what entered the device's scope, else the log after its cursor, in its scope.
  virtual pb::Envelope pull(const Device& device, const pb::Pull& pull, ScopeState& scope) = 0;
  virtual pb::Envelope recover(const Device& device, const pb::Recover& recover) = 0;  // its own ops, a PullBatch
  // Attachments (docs/protocol.md, "Attachments"): an AttachmentAck, an AttachmentData.
  virtual pb::Envelope attachmentPut(const Device& device, const pb::AttachmentPut& put) = 0;
  virtual pb::Envelope attachmentGet(const Device& device, const pb::AttachmentGet& get, ScopeState& scope) = 0;
  virtual pb::Envelope devices(const Device& device) = 0;  // a DeviceList, for supervisors and administrators
  // True when the log holds ops in the device's scope after watch.scanned
  // (its own aside); else moves watch.scanned to the head. Never suspends.
  virtual bool news(const Device& device, WatchState& watch) = 0;
  virtual void sessionClosed() {}  // a session ends (the metrics' open sessions)
  virtual void admitted(const sync::Id&) {}  // a session's device was admitted (its other sessions are counted)
  virtual void noticed() {}        // a Notice with news went out (the metrics)
};

}  // namespace fieldsync::server
