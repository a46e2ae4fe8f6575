// Node: the local replica on a tablet, handheld or phone, over one SQLite file.
//
// Its commands and queries are grouped by area in classes over a Node:
// Catalogue, Stock, Cases, Shipments, Exceptions (and the server's
// Reconciler). Each command either commits one transaction (its ops, the
// registers, facts and projections they change, the clock) or writes
// nothing and returns an error naming the field. Ops from other replicas
// take the same apply path, idempotently; facts are never refused there.
// Projections can be rebuilt from the op log (docs/data-model.md). One Node
// per thread; several processes may share the file (SQLite WAL locking).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/model.h"
#include "sync/hlc.h"
#include "sync/id.h"
#include "sync/op.h"

namespace fieldsync::node {

template <class T>
using Result = sync::Result<T>;
using sync::Status;

// What a node runs with; tests inject both to replay a run exactly.
struct NodeOptions {
  sync::Hlc::WallClock wall = sync::Hlc::systemClock();
  std::function<sync::Id()> new_id = sync::randomId;  // the node's own id and every random entity id
};

struct NodeStatus {
  sync::Id node;
  std::string company, server, branch, role, person;  // server, branch, role, person: empty until enrolled
  int schema_version = 0;
  std::uint64_t ops = 0, own_ops = 0, pending_ops = 0, cursor = 0;
  std::int64_t clock = 0;                  // the HLC's time, ms since the epoch, UTC
  std::optional<std::int64_t> last_sync;  // ms since the epoch, UTC
  std::uint64_t items = 0, locations = 0, units = 0, cases = 0, shipments = 0;
};

class Node {
 public:
  static Result<std::unique_ptr<Node>> init(const std::string& path, std::string_view company, NodeOptions options = {});
  static Result<std::unique_ptr<Node>> open(const std::string& path, NodeOptions options = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  sync::Id nodeId() const;
  std::string_view company() const;
  std::int64_t now() const;  // the node's wall clock (NodeOptions::wall): ms since the epoch, UTC
  Result<NodeStatus> status();
  Result<std::string> exportJson();  // canonical JSON of every projection: converged nodes print identical bytes
  Status rebuild();                  // recompute registers, facts and projections from the op log
  Result<std::string> digest();      // equals sync::Replica::digest() over the same ops

  // Sync. A pulled batch is applied together with `cursor`, the server
  // sequence it reaches, in one transaction.
  Status applyRemote(std::span<const sync::Op> ops);
  Status applyPulled(std::span<const sync::Op> ops, std::uint64_t cursor);
  Result<std::vector<sync::Op>> opsOf(const sync::Id& node, std::uint64_t after, std::size_t limit);  // seq order
  Result<std::uint64_t> ownSeq();  // the seq of this node's newest op
  // After a restore from a backup older than the last sync (docs/reliability.md):
  // `theirs` are this node's own ops as the server holds them, from the
  // last one this node knows was acknowledged. Each is taken as it is; an
  // op made here since, under a seq the server holds for another op, is
  // renumbered after every seq in use, so no op id ever means two ops. A
  // case, shipment or document number minted here since the backup that the
  // taken ops already use gets the next free number (`renamed`: old, new),
  // and the counters go past every number taken. The projections are
  // rebuilt. One transaction.
  struct Recovered {
    std::uint64_t taken = 0, renumbered = 0;
    std::vector<std::pair<std::string, std::string>> renamed;
  };
  Result<Recovered> recoverOwnOps(std::span<const sync::Op> theirs);
  Result<std::uint64_t> opCount();
  // The server says these entities left this device's scope (docs/scopes.md):
  // their ops go, except this node's own not yet acknowledged (sync.acked),
  // and the projections are rebuilt. One transaction; returns the ops removed.
  Result<std::uint64_t> dropEntities(std::span<const sync::Id> entities);
  // The server says this database is older than what it sent it (restored
  // from a backup): the ops other nodes made go, the projections are
  // rebuilt and the cursor goes back to 0. One transaction.
  Status forgetPulled();
  // Applies every op of another node's database (e.g. carried on a USB
  // stick); returns how many were new here.
  Result<std::uint64_t> mergeFrom(const std::string& other_path);

  // Local settings that never replicate: "sync.server", "sync.cursor", ...
  Result<std::string> setting(std::string_view key);           // empty when unset
  Result<std::uint64_t> settingNumber(std::string_view key);  // a counter; 0 when unset
  Status setSetting(std::string_view key, std::string_view value);

  // Register writes without domain checks, one op each, in one transaction
  // (bulk loads and benchmarks that know the model).
  struct Write {
    sync::EntityType type = sync::EntityType::unspecified;
    sync::Id entity;
    std::vector<sync::Field> fields;
  };
  Status writeRegisters(std::span<const Write> writes);

  struct Core;  // internal/core.h

 private:
  explicit Node(std::unique_ptr<Core> core);
  std::unique_ptr<Core> core_;
  // The area classes reach the core.
  friend class Attachments;
  friend class Catalogue;
  friend class Customers;
  friend class Stock;
  friend class Cases;
  friend class Visits;
  friend class Shipments;
  friend class Exceptions;
  friend class Periods;
  friend class Rights;
  friend class Scopes;
  friend class Reconciler;
};

}  // namespace fieldsync::node
