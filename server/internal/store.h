// ServerStore: what the server keeps of authority. Internal to
// fieldsync::server. Two backends pass the same tests (tests/server/
// store_test.cpp): DATA/server.db, one SQLite file (WAL) for one server
// process (store.cpp), and a PostgreSQL database that several server
// processes share (pg_store.cpp, docs/server.md "Several servers").
//
// Holds the enrolled devices, the enrollment tokens (hashed), the global op
// log in the server's own sequence (the order it learnt each op; pulls and
// cursors use it), each device's watermark (its highest seq held here,
// contiguous from 1), and every pushed batch with the device's signature as
// received: the audit trail of who changed what. All SQL of the server is in
// store.cpp and pg_store.cpp. Failures throw storage::StoreError. One thread
// at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/scope.h"
#include "server/server.h"
#include "sync/crypto.h"
#include "sync/op.h"

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
  // `where` is a PostgreSQL connection URI (postgresql://... or
  // postgres://..., libpq's syntax) or a SQLite file's path.
  static std::unique_ptr<ServerStore> open(const std::string& where);
  static bool isPostgres(std::string_view where);
  virtual ~ServerStore() = default;

  // A write transaction, rolled back unless committed; one at a time.
  class Transaction {
   public:
    virtual ~Transaction() = default;
    virtual void commit() = 0;
  };
  virtual std::unique_ptr<Transaction> transaction() = 0;
  virtual bool shared() const = 0;  // other server processes write it too (PostgreSQL)
  // This process runs the business-rule checks now (docs/server.md, "Several
  // servers"): always for SQLite; for PostgreSQL the one process that holds
  // the checker's advisory lock, taken here when free.
  virtual bool leads() = 0;
  // Calls `grew` (on a thread of the store's) soon after another process
  // commits ops to the log (PostgreSQL LISTEN/NOTIFY), and once when it
  // starts listening; SQLite: never. An empty `grew` stops the listening.
  virtual void onLogGrew(std::function<void()> grew) = 0;
  // Whether this process may serve the replica `node` (the merged.db's node
  // id): for PostgreSQL, while no other process holds that replica's
  // advisory lock (a copied merged.db); SQLite: DIR/serve.lock decides.
  virtual bool claimReplica(const sync::Id& node) = 0;

  virtual std::optional<std::string> meta(const std::string& key) = 0;
  std::uint64_t metaNumber(const std::string& key);  // 0 when unset; throws StoreError when not a number
  virtual void setMeta(const std::string& key, const std::string& value) = 0;

  virtual void addToken(const sync::Hash& token_hash, const Token& t) = 0;  // t.used and t.used_by are ignored
  virtual std::optional<Token> token(const sync::Hash& token_hash) = 0;
  virtual void useToken(const sync::Hash& token_hash, const sync::Id& node, std::int64_t at) = 0;
  // Every token, newest expiry first, each named by the first 8 hex digits of its hash.
  virtual std::vector<std::pair<std::string, Token>> tokens() = 0;

  virtual void addDevice(const Device& d) = 0;
  virtual std::optional<Device> device(const sync::Id& node) = 0;
  virtual std::vector<Device> devices() = 0;
  virtual void touch(const sync::Id& node, std::int64_t at, std::int64_t clock_offset_ms) = 0;
  virtual bool revoke(const sync::Id& node, std::int64_t at) = 0;  // false if unknown
  virtual void setCursor(const sync::Id& node, std::uint64_t cursor) = 0;
  virtual void contacted(const sync::Id& node, std::int64_t at) = 0;  // last_contact: a request on an open session

  // Appends a device's ops that are new here (seq > watermark), records the
  // signed batch, and returns the new watermark. Precondition: the ops are
  // the device's own, in seq order, with no gap after the watermark. An op
  // whose `held` entry (one per op) names a reason goes into quarantine,
  // not the log; it counts for the watermark all the same.
  virtual std::uint64_t appendPush(const sync::Id& node, const std::vector<sync::Op>& ops,
                                   const std::vector<std::string>& held, const std::string& batch,
                                   const std::string& signature, std::int64_t at) = 0;
  virtual std::vector<HeldOp> held(const sync::Id& node) = 0;  // undecided, by seq
  virtual std::uint64_t quarantinedEver(const sync::Id& node) = 0;  // held, released and rejected
  // Releases (into the log, at its head) or rejects (kept, marked) every
  // undecided op of `node`; returns how many.
  virtual std::uint64_t decide(const sync::Id& node, bool release, std::int64_t at) = 0;
  // Appends ops the server itself made (exceptions); ops already here are skipped.
  virtual void appendOwn(const std::vector<sync::Op>& ops) = 0;
  // Ops after `cursor` in server order, not made by `exclude`, at most `limit`.
  virtual std::vector<LoggedOp> opsAfter(std::uint64_t cursor, const sync::Id& exclude, std::size_t limit) = 0;
  // The same for a device's scope: the ops on entities it holds (scopeHeld),
  // not made by it. `by_entity` picks the plan, the smaller of the two:
  // through the index of each held entity's ops (a scope smaller than the
  // log after the cursor), or along the log after the cursor.
  virtual std::vector<LoggedOp> scopedOpsAfter(const sync::Id& device, std::uint64_t cursor, std::size_t limit,
                                               bool by_entity) = 0;
  virtual std::uint64_t head() = 0;
  // What a device holds of its scope (docs/scopes.md).
  virtual std::set<node::ScopeKey> scopeHeld(const sync::Id& device) = 0;
  virtual void holdScope(const sync::Id& device, std::span<const node::ScopeKey> add, std::span<const sync::Id> drop) = 0;
  virtual void forgetScope(const sync::Id& device) = 0;
  // By seq, held ones too (a device restored from a backup takes back everything it made).
  virtual std::vector<sync::Op> ownOps(const sync::Id& node, std::uint64_t after_seq, std::size_t limit) = 0;
  virtual std::uint64_t opCount() = 0;

  // Attachments (docs/protocol.md, "Attachments"), named by their SHA-256.
  virtual std::optional<StoredAttachment> attachment(const sync::Hash& h) = 0;
  // Appends a piece (the first one makes the row); the caller checks offsets.
  virtual void putAttachmentPiece(const sync::Hash& h, std::string_view type, std::uint64_t size,
                                  std::string_view data, const sync::Id& device, std::int64_t at) = 0;
  virtual void completeAttachment(const sync::Hash& h) = 0;
  virtual void dropAttachment(const sync::Hash& h) = 0;
  virtual std::string attachmentPiece(const sync::Hash& h, std::uint64_t offset, std::size_t max) = 0;
  virtual bool refersTo(const sync::Id& device, const sync::Hash& h) = 0;  // an op of `device`, held ones too
  // Of the logged (not held) ops that refer to it.
  virtual std::vector<sync::Id> attachmentEntities(const sync::Hash& h) = 0;
};

// A logged op's body as stored (sync::encodeOp); throws StoreError when it does not decode.
sync::Op decodeStoredOp(std::string_view body);

std::unique_ptr<ServerStore> openSqliteStore(const std::string& path);
std::unique_ptr<ServerStore> openPostgresStore(const std::string& uri);  // pg_store.cpp

}  // namespace fieldsync::server
