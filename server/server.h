// Server: the central replica that every node syncs with (design.md §4).
//
// A data directory holds server.key (the long-term Ed25519 key, 0600),
// server.db (devices, tokens, the global op log, signed batches; or a
// PostgreSQL database several servers share, named in DIR/store) and
// merged.db (a node replica of everything, kept up to date from the log
// with the node's own merge rules: docs/server.md says why). Devices enroll
// with single-use, expiring tokens and then sync over the protocol of
// docs/protocol.md: a push is acknowledged only after it is committed, so a
// crash or a stop never loses an acknowledged op.
// Threads: serve() runs the network (every session, on its own strand) on
// a pool of threads (setThreads; the calling thread is one of them) until
// stop(), and merges large backlogs into merged.db on one more. Every other method may be called from
// any thread, also while serve() runs: they take the server's mutex around
// the stores, which the serving thread takes too, never across a wait.
// stop() ends the open sessions and returns at once; serve() returns when
// they have closed, or 5 seconds later whatever still runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/exceptions.h"
#include "node/periods.h"
#include "sync/crypto.h"
#include "sync/hlc.h"
#include "sync/result.h"

namespace fieldsync::server {

template <class T>
using Result = sync::Result<T>;
using sync::Status;

// How much a log line matters, as syslog priorities (RFC 5424 §6.2.1):
// what journald reads from a "<N>" prefix.
enum class LogLevel { error = 3, warning = 4, info = 6 };

// An enrolled device as the server knows it. Times are ms since the epoch, UTC.
struct Device {
  sync::Id node;
  sync::PublicKey key{};
  std::string branch, role;
  std::int64_t enrolled_at = 0, last_contact = 0;
  std::int64_t clock_offset_ms = 0;  // the device's clock minus the server's, at its last handshake
  std::uint64_t ops_received = 0;
  std::uint64_t watermark = 0;  // its highest seq held here, contiguous from 1
  std::uint64_t cursor = 0;     // the server sequence it last pulled from
  std::optional<std::int64_t> revoked_at;
  std::string person;  // a technician's or driver's name (docs/scopes.md)
  // Its own highest seq, as it said at its last handshake with this
  // process (0: none since it started); less the watermark, what it holds
  // and has not pushed yet.
  std::uint64_t announced = 0;
};

// An enrollment token as the server keeps it (only its hash: the string
// itself was shown once). Times are ms since the epoch, UTC.
struct TokenInfo {
  std::string id;  // the first 8 hex digits of its hash
  std::string branch, role, person;
  std::int64_t expires_at = 0;
  bool used = false;
  std::optional<sync::Id> used_by;
};

class Server {
 public:
  // Opens the data directory, creating it, the key and the stores on first
  // start; `company` is required then and must match afterwards if given.
  // `clock` (ms since the epoch, UTC) stamps tokens, contacts and clock-skew
  // checks, and is the merged replica's wall clock; tests inject one.
  // Without `create` (the admin commands) a directory that holds no server
  // is INVALID_INPUT and nothing is made.
  // `store` is a postgresql:// URI for a store that several server
  // processes share (docs/server.md, "Several servers"; kept in DIR/store
  // from then on); empty: the one kept, else DIR/server.db. Each process
  // has a data directory of its own with the same server.key (copied) and
  // its own merged.db, rebuilt from the log when missing.
  static Result<std::unique_ptr<Server>> open(const std::string& data_dir, std::string_view company,
                                              sync::Hlc::WallClock clock = sync::Hlc::systemClock(),
                                              bool create = true, std::string_view store = {});
  ~Server();

  // Admin. An empty host means the address the server last listened on.
  // `role` is one of node::kRoles; a technician or driver names its
  // `person` (node::rolePerson), other roles none (docs/scopes.md).
  Result<std::string> enrollToken(std::string_view branch, std::string_view role, std::string_view person,
                                  std::int64_t valid_ms, std::string_view host, std::uint16_t port);
  Result<std::vector<Device>> devices();
  Result<std::vector<TokenInfo>> tokens();  // newest expiry first
  Status revoke(std::string_view device_hex);
  Result<std::string> exportJson();  // the merged state, as `fieldsync export` prints it
  // What a device holds once synced: its scope of the merged state
  // (docs/scopes.md), exported as `fieldsync export` on that device prints
  // it; its own ops outside its scope aside.
  Result<std::string> scopeExport(std::string_view device_hex);
  // The exception queue of the merged state (docs/reconciliation.md);
  // resolving here is an op that every node pulls.
  Result<std::vector<node::ExceptionRow>> exceptions(bool include_resolved);
  Result<node::ExceptionView> showException(std::string_view ref);
  // A quarantined exception is resolved by a decision on its device's held
  // ops: released (merged and sent to every device) or rejected (kept for
  // the audit, never applied); other exceptions take none.
  enum class Decision { none, release, reject };
  Result<node::Resolved> resolveException(std::string_view ref, const node::Resolution& how,
                                          Decision decision = Decision::none);
  // Backups (docs/server.md, "Backups"): a consistent copy of the data
  // directory into the new directory `to` (mode 0700), made while the
  // server serves: merged.db first, then server.db (so the log copy holds
  // every op the replica copy has merged), then the key.
  struct Backup {
    std::string path;
    std::int64_t at = 0;     // ms since the epoch, UTC
    std::uint64_t ops = 0;   // the log's head in the copy
  };
  Result<Backup> backup(const std::string& to);
  Result<std::optional<Backup>> lastBackup();
  // Brings the backup in `from` back into `data_dir`, which no server may
  // be serving; a data directory of another server (another key) is
  // refused. The restored log gets a new log id, so every device pulls its
  // scope anew and pushes again what the backup lacks, and the replica a
  // new node id, so the exceptions it raises again never reuse an op id
  // that one raised after the backup holds on some device.
  static Status restore(const std::string& data_dir, const std::string& from);
  // The console's administrator password (docs/server.md, "The console"),
  // kept in server.db as an Argon2id hash (libsodium crypto_pwhash_str,
  // interactive limits); at least 10 bytes. check is false when none is set.
  Status setAdminPassword(std::string_view password);
  Result<bool> checkAdminPassword(std::string_view password);
  // Changes whenever the password is set (the console's sessions end then).
  Result<std::string> adminPasswordStamp();
  void log(LogLevel level, const std::string& line);  // into the server's log
  // Period close (node/periods.h) made by the server's replica: an op every node pulls.
  Result<node::PeriodClosed> closePeriod(const node::PeriodClose& spec);
  Result<std::vector<node::PeriodRow>> periods();
  // Everything GET /metrics shows, in the Prometheus text format
  // (docs/server.md, "Metrics").
  Result<std::string> metrics();
  Result<std::string> digest();
  Result<std::uint64_t> opCount();
  Result<std::uint64_t> logHead();  // the server sequence of the newest op in the log
  std::string publicKeyHex() const;

  // Network. listen() binds (port 0: any free port) and returns the port.
  Result<std::uint16_t> listen(const std::string& host, std::uint16_t port);
  // Serves until stop() or, with stop_on_signals, SIGINT/SIGTERM.
  Status serve(bool stop_on_signals = false);
  void stop();
  // How long goods may stay in transit before transit_not_conserved
  // (default 3 days); checked after each push and swept every 10 minutes.
  void setMaxTransit(std::int64_t ms);
  // How far a device's clock may be from the server's (measured at each
  // handshake), and how far ahead of the server's clock an op may be
  // stamped, before clock_skew (default 5 minutes); the ops are applied all
  // the same: sync never stops for a bad clock.
  static constexpr std::int64_t kDefaultMaxClockSkewMs = 5 * 60 * 1000;
  void setMaxClockSkew(std::int64_t ms);
  // What one server admits at a time (docs/server.md, "Under a flood"): at
  // most `connections` open (0: the open-file limit less a reserve of 32),
  // `handshakes` of them not yet authenticated, and `per_address` not yet
  // authenticated from one IP address. A connection over a limit is closed
  // as soon as it is accepted; the log says so once per burst.
  // connections 0: the open-file limit less 32. Per address: handshakes in
  // flight, and handshakes started per second (bursts of twice that). Per
  // device: open sessions; a newer one ends the oldest.
  struct Limits {
    std::size_t connections = 0, handshakes = 64, per_address = 8;
    double per_address_rate = 20;
    std::size_t per_device = 4;
  };
  void setLimits(Limits limits);
  // serve()'s threads: 0 (the default) is one per core.
  void setThreads(std::size_t n);
  // Business-rule checks after each merge (on by default; off for benchmarks).
  void setChecks(bool on);
  // Where session events go (one line each, with its level); stderr by default.
  void setLog(std::function<void(LogLevel, const std::string&)> log);
  void setLog(std::function<void(const std::string&)> log);  // the level dropped

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldsync::server
