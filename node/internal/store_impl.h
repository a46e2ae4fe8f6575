// Store::Impl: what the node's store files share. Internal to fieldsync::node.
#pragma once

#include <span>

#include "node/internal/ledger_blocks.h"
#include "node/internal/store.h"
#include "storage/sqlite.h"

namespace fieldsync::node {

using storage::Query;
using sync::Id;
using sync::Op;
using storage::Stmt;

// Schema migrations (schema.cpp): element i moves a database from version i to i + 1.
std::span<const char* const> storeMigrations();

struct Store::Impl {
  storage::Db db;
  LedgerBlocks ledger{db};
  static constexpr storage::FileKind kNodeFile{0x46534E44, "a fieldsync node database"};  // "FSND"
  Impl(const std::string& path, bool create) : db(path, create, &kNodeFile) {}
  sync::Op opFromBody(const Stmt& s, int col);
};

// Movement rows (projections.cpp, ledger_blocks.cpp): columns in this order.
#define FIELDSYNC_MOVE_COLUMNS \
  "SELECT node, seq, hlc, at, kind, doc, item, from_loc, to_loc, qty, unit, service_case, shipment, forced, 0 FROM moves "
#define FIELDSYNC_MOVE_ORDER " ORDER BY at, hlc, node, seq"
// Counts in the same columns: absolute rows (MoveRow::absolute), from = to = the location.
#define FIELDSYNC_COUNT_COLUMNS \
  "SELECT node, seq, hlc, at, 8, doc, item, location, location, counted, NULL, NULL, NULL, forced, 1 FROM counts "
MoveRow moveRow(const Stmt& s);

}  // namespace fieldsync::node
