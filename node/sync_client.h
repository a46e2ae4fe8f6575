// The node's side of the sync protocol (docs/protocol.md).
//
// enroll() makes the device's Ed25519 key pair (kept beside the database in
// FILE.key, mode 0600), pins the server's key from the enrollment string
// and registers with its single-use token. A SyncSession is one
// authenticated connection: round() pushes this node's ops the server does
// not have yet (signed batches of at most 1 MiB, acknowledged one by one)
// and the attachments those ops refer to, then pulls until caught up,
// applying each batch together with its cursor in one transaction, and
// fetches the attachments that what it holds refers to. Every step is idempotent, so an interrupted
// sync resumes where it stopped. Blocking, with timeouts; one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "node/node.h"
#include "sync/crypto.h"

namespace fieldsync::node {

struct SyncProgress {
  std::uint64_t pushed = 0, to_push = 0, pulled = 0;
};
using ProgressFn = std::function<void(const SyncProgress&)>;

struct SyncReport {
  std::uint64_t pushed = 0, pulled = 0, watermark = 0, cursor = 0;
  std::int64_t clock_offset_ms = 0;  // our clock minus the server's (ahead: positive), as seen at the handshake
  std::uint64_t bytes_out = 0, bytes_in = 0;  // on the socket during the round, framing and sealing included
  // This database was older than its last sync (restored from a backup):
  // its own ops taken back from the server, and those made since that were
  // renumbered (docs/reliability.md).
  std::uint64_t recovered = 0, renumbered = 0;
  std::vector<std::pair<std::string, std::string>> renamed;  // numbers minted again since: old, new
  // Entities that left this device's scope (a case reassigned, a van handed
  // over: docs/scopes.md), dropped from its database with their history.
  std::uint64_t dropped = 0;
  // Attachments (node/attachments.h): own ones sent whole, others received
  // whole, and others the server does not hold yet (asked for again next time).
  std::uint64_t attachments_sent = 0, attachments_received = 0, attachments_waiting = 0;
};

std::string keyPathFor(const std::string& db_path);

struct Enrolled {
  sync::Id node;
  std::string server;  // HOST:PORT
  std::string company, branch, role, person;
  std::string server_key;  // hex: compare it with the one fieldsync-server prints when it starts
};

// Enrolls the node in `db_path` (created if missing, for the ticket's company).
Result<Enrolled> enroll(const std::string& db_path, std::string_view ticket,
                     std::chrono::milliseconds timeout = std::chrono::seconds(15));

// Another device as the server knows it (SyncSession::devices). Times are
// ms since the epoch, UTC.
struct DeviceInfo {
  sync::Id node;
  std::string branch, role, person;
  std::int64_t enrolled_at = 0, last_contact = 0;  // last_contact: its last handshake
  std::int64_t clock_offset_ms = 0;                // its clock minus the server's, then
  std::optional<std::int64_t> revoked_at;
};

class SyncSession {
 public:
  // Connects and authenticates; Errc::unavailable when the server cannot be
  // reached, Errc::denied when it refuses this device or is not the pinned one.
  static Result<std::unique_ptr<SyncSession>> connect(Node& node, const std::string& db_path,
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(15));
  ~SyncSession();
  Result<SyncReport> round(const ProgressFn& progress = {});
  // Sends `ops` as one signed batch and returns the server's new watermark
  // for this device (round() pushes this way).
  Result<std::uint64_t> pushBatch(std::span<const sync::Op> ops);
  // One piece of an attachment (docs/protocol.md, "Attachments"; round()
  // sends and fetches this way): the server says how much it holds, or
  // sends at most 256 KiB from `offset` when it holds all of it and this
  // device may see it.
  struct PieceAck {
    std::uint64_t held = 0;
    bool complete = false;
  };
  Result<PieceAck> putAttachment(const sync::Hash& h, std::string_view type, std::uint64_t size, std::uint64_t offset,
                                 std::string_view data);
  struct Piece {
    bool available = false;
    std::string type;
    std::uint64_t size = 0, offset = 0;
    std::string data;
  };
  Result<Piece> getAttachment(const sync::Hash& h, std::uint64_t offset);
  // Live sync (docs/protocol.md, "Watch"): waits until the server has ops
  // in this device's scope after its cursor (true: pull now), `max` passed
  // (false; the server caps a wait at 60 s), or `interrupt`, asked every
  // 20 ms, returns true (false; the wait is ended with WatchEnd).
  Result<bool> watch(std::chrono::milliseconds max, const std::function<bool()>& interrupt = {});
  // The devices of this supervisor's branch, or every device for an
  // administrator, by node id; Errc::refused for other roles.
  Result<std::vector<DeviceInfo>> devices();
  void close();  // says goodbye; the session is finished

  struct Impl;

 private:
  Status sendAttachments(std::uint64_t watermark, SyncReport& r);
  Status fetchAttachments(SyncReport& r);
  explicit SyncSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Keeps a node in sync (`fieldsync sync --watch`, the app): connects, runs
// a round at once and then again as soon as the server has news for this
// device (SyncSession::watch), this node has a new op (wake(), or a
// command of another process on the same file, seen within 100 ms), or
// `interval` passed; after a failure it can retry (unreachable, busy, a broken
// exchange) it closes, waits 1, 2, 4 ... up to 30 s (a wake() cuts the
// wait short) and connects again; only a round that worked resets the
// pause. run() returns when stop() is called, or with the error no retry
// can cure (refused, revoked, a broken database). run() blocks its thread;
// wake() and stop() may be called from any thread, also from a signal
// handler (they only store to atomics). The events run on run()'s thread.
class SyncLoop {
 public:
  struct Events {
    std::function<void()> connected;
    std::function<void(const SyncReport&)> synced;  // after each round that worked
    std::function<void(const sync::Error&, std::chrono::milliseconds retry_in)> failed;
    ProgressFn progress;
    // Runs on the open session after each round that worked (the app reads
    // the device list there); its error counts as the round's.
    std::function<Status(SyncSession&)> after_round;
  };
  SyncLoop(Node& node, std::string db_path, Events events,
           std::chrono::milliseconds interval = std::chrono::minutes(5));
  Status run();
  void wake() { wake_ = true; }
  void stop() { stop_ = true; }
  bool stopping() const { return stop_; }

 private:
  void pause(std::chrono::milliseconds d);  // until d passed, wake() or stop()

  Node& node_;
  std::string db_path_;
  Events events_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> wake_{false}, stop_{false};
};

}  // namespace fieldsync::node
