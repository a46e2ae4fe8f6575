// ServerStore: the server's SQLite file (WAL). Internal to fieldsync::server.
//
// Holds the enrolled devices, the enrollment tokens (hashed), the global op
// log in the server's own sequence (the order it learnt each op; pulls and
// cursors use it), each device's watermark (its highest seq held here,
// contiguous from 1), and every pushed batch with the device's signature as
// received: the audit trail of who changed what. All SQL of the server is in
// store.cpp. Failures throw storage::StoreError. One thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "node/scope.h"
#include "server/server.h"
#include "sync/crypto.h"
#include "sync/op.h"

namespace fieldsync::storage {
class Db;
class Transaction;
}  // namespace fieldsync::storage

namespace fieldsync::server {

struct Token {
  std::string branch, role, person;
  std::int64_t expires_at = 0;
  bool used = false;
  std::optional<sync::Id> used_by;  // the device it enrolled
};

struct HeldOp {  // in quarantine, undecided
  sync::Op op;
  std::string reason;  // the rule it breaks (node/rights.h)
};

struct StoredAttachment {
  std::string type;
  std::uint64_t size = 0, held = 0;  // bytes: the whole, and what is here so far
  bool complete = false;             // all of it, checked against its hash
};

struct LoggedOp {
  std::uint64_t server_seq = 0;
  sync::Op op;
};

class ServerStore {
 public:
  static std::unique_ptr<ServerStore> open(const std::string& path);
  ~ServerStore();

  storage::Transaction transaction();  // a write transaction; rolled back unless committed

  std::optional<std::string> meta(const std::string& key);
  std::uint64_t metaNumber(const std::string& key);  // 0 when unset; throws StoreError when not a number
  void setMeta(const std::string& key, const std::string& value);

  void addToken(const sync::Hash& token_hash, const Token& t);  // t.used and t.used_by are ignored
  std::optional<Token> token(const sync::Hash& token_hash);
  void useToken(const sync::Hash& token_hash, const sync::Id& node, std::int64_t at);
  // Every token, newest expiry first, each named by the first 8 hex digits of its hash.
  std::vector<std::pair<std::string, Token>> tokens();

  void addDevice(const Device& d);
  std::optional<Device> device(const sync::Id& node);
  std::vector<Device> devices();
  void touch(const sync::Id& node, std::int64_t at, std::int64_t clock_offset_ms);
  bool revoke(const sync::Id& node, std::int64_t at);  // false if unknown
  void setCursor(const sync::Id& node, std::uint64_t cursor);
  void contacted(const sync::Id& node, std::int64_t at);  // last_contact: a request on an open session

  // Appends a device's ops that are new here (seq > watermark), records the
  // signed batch, and returns the new watermark. Precondition: the ops are
  // the device's own, in seq order, with no gap after the watermark. An op
  // whose `held` entry (one per op) names a reason goes into quarantine,
  // not the log; it counts for the watermark all the same.
  std::uint64_t appendPush(const sync::Id& node, const std::vector<sync::Op>& ops, const std::vector<std::string>& held,
                           const std::string& batch, const std::string& signature, std::int64_t at);
  std::vector<HeldOp> held(const sync::Id& node);  // undecided, by seq
  std::uint64_t quarantinedEver(const sync::Id& node);  // held, released and rejected
  // Releases (into the log, at its head) or rejects (kept, marked) every
  // undecided op of `node`; returns how many.
  std::uint64_t decide(const sync::Id& node, bool release, std::int64_t at);
  // Appends ops the server itself made (exceptions); ops already here are skipped.
  void appendOwn(const std::vector<sync::Op>& ops);
  // Ops after `cursor` in server order, not made by `exclude`, at most `limit`.
  std::vector<LoggedOp> opsAfter(std::uint64_t cursor, const sync::Id& exclude, std::size_t limit);
  std::uint64_t head();
  // What a device holds of its scope (docs/scopes.md).
  std::set<node::ScopeKey> scopeHeld(const sync::Id& device);
  void holdScope(const sync::Id& device, std::span<const node::ScopeKey> add, std::span<const sync::Id> drop);
  void forgetScope(const sync::Id& device);
  // By seq, held ones too (a device restored from a backup takes back everything it made).
  std::vector<sync::Op> ownOps(const sync::Id& node, std::uint64_t after_seq, std::size_t limit);
  std::uint64_t opCount();

  // Attachments (docs/protocol.md, "Attachments"), named by their SHA-256.
  std::optional<StoredAttachment> attachment(const sync::Hash& h);
  // Appends a piece (the first one makes the row); the caller checks offsets.
  void putAttachmentPiece(const sync::Hash& h, std::string_view type, std::uint64_t size, std::string_view data,
                          const sync::Id& device, std::int64_t at);
  void completeAttachment(const sync::Hash& h);
  void dropAttachment(const sync::Hash& h);
  std::string attachmentPiece(const sync::Hash& h, std::uint64_t offset, std::size_t max);
  bool refersTo(const sync::Id& device, const sync::Hash& h);  // an op of `device`, held ones too
  std::vector<sync::Id> attachmentEntities(const sync::Hash& h);  // of the logged (not held) ops that refer to it

 private:
  explicit ServerStore(std::unique_ptr<storage::Db> db);
  std::unique_ptr<storage::Db> db_;
};

}  // namespace fieldsync::server
