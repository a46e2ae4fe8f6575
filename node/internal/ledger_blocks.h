// LedgerBlocks: each (item, location)'s ledger in blocks of consecutive
// movements in business-time order, so that a back-dated movement re-checks
// only its own block (docs/reconciliation.md, "Long ledgers"). Internal to
// fieldsync::node.
//
// A block starts at a LedgerKey and runs to the next block's start. It
// keeps its net (the sum of its movements: in positive, out negative), its
// low (the lowest running sum after one of its movements, from 0 at its
// start; <= 0) and outs: the running sums after each movement out, sorted,
// stored as 8-byte big-endian integers. Adding a movement updates its
// block's net and marks it dirty; ledger() recomputes dirty blocks, split
// when they hold more than 2 x 256 movements. Throws StoreError.
#pragma once

#include <cstdint>
#include <vector>

#include "node/internal/store.h"
#include "storage/sqlite.h"

namespace fieldsync::node {

class LedgerBlocks {
 public:
  explicit LedgerBlocks(storage::Db& db) : db_(db) {}  // db must outlive this

  // A movement of `delta` at `location` (once for each side of a movement).
  void add(const MoveRow& m, const sync::Id& location, std::int64_t delta);
  // The blocks of (item, location) in order, none dirty.
  std::vector<LedgerBlock> blocks(const sync::Id& item, const sync::Id& location);
  // The sorted running sums after each movement out in the block at `start`.
  std::vector<std::int64_t> outs(const sync::Id& item, const sync::Id& location, const LedgerKey& start);
  // The balance of (item, location) just before `key`, and the lowest it is
  // at any point from there on (that balance included), with when
  // (lowest_at: the business time of the movement that leaves it lowest;
  // 0 when the lowest is the balance at `key`).
  Store::LedgerFrom from(const sync::Id& item, const sync::Id& location, const LedgerKey& key);
  // The movements in or out of (item, location) with from <= key < to, in order.
  std::vector<MoveRow> moves(const sync::Id& item, const sync::Id& location, const LedgerKey& from,
                             const LedgerKey& to);

 private:
  void rewrite(const sync::Id& item, const sync::Id& location, const LedgerKey& start, const LedgerKey& end);
  storage::Db& db_;
};

}  // namespace fieldsync::node
