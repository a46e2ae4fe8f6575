// MergePipeline: from the server's log into its merged replica. Internal to
// fieldsync::server.
//
// merged.db is a node database holding every op (docs/server.md says why).
// catchUp() applies the log after the replica's cursor, in server order,
// with the cursor in the same transaction (so a crash between a committed
// push and its merge is repaired by the next call), runs the business-rule
// checks on the keys each batch touched (docs/reconciliation.md), and
// forward()s the ops the checks wrote (exceptions) into the log, so every
// node pulls them. With several server processes on one store only the
// store's leader checks (ServerStore::leads). Borrows the store and the replica; not thread-safe: the
// server calls it under its mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "node/node.h"
#include "node/reconcile.h"
#include "server/internal/store.h"

namespace fieldsync::server {

// The checks' settings; atomic, since an admin thread may change them while another serves.
struct Checks {
  std::atomic<bool> on = true;
  std::atomic<std::int64_t> max_transit_ms = node::Reconciler::kDefaultMaxTransitMs;
  std::atomic<std::int64_t> max_clock_skew_ms = Server::kDefaultMaxClockSkewMs;
};

class MergePipeline {
 public:
  MergePipeline(ServerStore& store, node::Node& merged, const Checks& checks)
      : store_(store), merged_(merged), checks_(checks) {}

  Status catchUp();
  // At most about `max_ops` of the log (whole batches of up to 5000);
  // true when the replica has caught up with the log.
  Result<bool> catchUpSome(std::size_t max_ops);
  Status forward();
  // Transfers overdue in transit, with no new fact to trigger a check.
  Status sweepTransit();
  // A device whose clock was more than max_clock_skew_ms from the server's
  // at its handshake (device.clock_offset_ms), or whose `ops` are stamped
  // that far ahead of `now` (ms since the epoch), raises one clock_skew
  // exception naming the device and the offset; the ops are applied all
  // the same: sync never stops for a bad clock.
  Status checkClock(const Device& device, const std::vector<sync::Op>& ops, std::int64_t now);
  // The device's held ops (docs/scopes.md, "Quarantine") as one quarantined
  // exception naming the device, reopened whenever more are held.
  Status raiseQuarantine(const Device& device);

 private:
  Status forwardIf(Result<std::uint64_t> written);
  // Checks the log up to `cursor` (merged here) not checked yet; returns the
  // mark ("checked"), which may be past `cursor`. Throws StoreError.
  std::uint64_t checkUpTo(std::uint64_t cursor);

  ServerStore& store_;
  node::Node& merged_;
  const Checks& checks_;
};

}  // namespace fieldsync::server
