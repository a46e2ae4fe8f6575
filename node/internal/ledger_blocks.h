// LedgerBlocks: each (item, location)'s ledger in blocks of consecutive
// rows in business-time order, so that a back-dated movement re-checks only
// its own block (docs/reconciliation.md, "Long ledgers"). Internal to
// fieldsync::node.
//
// The rows are the movements in or out of the location and its counts; a
// count sets the balance (docs/data-model.md, "Counts"). A block starts at
// a LedgerKey and runs to the next block's start, and acts on the balance
// before it as a function: x + net when it holds no count, or a constant
// (net: the balance at its end) when it does. It keeps its lowest point in
// the same two forms: low, the lowest running sum before its first count,
// from 0 at its start (<= 0), and low_after, the lowest balance from its
// first count on; and the points after each movement out likewise (outs,
// outs_after), sorted, as 8-byte big-endian integers, and how many rows it
// holds. A row added after every other row of its ledger (the usual case:
// a movement made now) updates its block's summary; any other marks the
// block dirty, and blocks() recomputes dirty blocks, split when they hold
// more than 2 x 256 rows. Throws StoreError.
#pragma once

#include <cstdint>
#include <vector>

#include "node/internal/store.h"
#include "storage/sqlite.h"

namespace fieldsync::node {

class LedgerBlocks {
 public:
  explicit LedgerBlocks(storage::Db& db) : db_(db) {}  // db must outlive this

  // A row added at `location` (each side of a movement; a count's location).
  void add(const MoveRow& m, const sync::Id& location);
  // The blocks of (item, location) in order, none dirty.
  std::vector<LedgerBlock> blocks(const sync::Id& item, const sync::Id& location);
  Store::LedgerOuts outs(const sync::Id& item, const sync::Id& location, const LedgerKey& start);
  Store::LedgerFrom from(const sync::Id& item, const sync::Id& location, const LedgerKey& key);
  // The rows of (item, location) with from <= key < to, in order.
  std::vector<MoveRow> moves(const sync::Id& item, const sync::Id& location, const LedgerKey& from,
                             const LedgerKey& to);

 private:
  struct Summary;
  void write(const sync::Id& item, const sync::Id& location, const LedgerKey& start, Summary& s);
  void rewrite(const sync::Id& item, const sync::Id& location, const LedgerKey& start, const LedgerKey& end);
  storage::Db& db_;
};

}  // namespace fieldsync::node
