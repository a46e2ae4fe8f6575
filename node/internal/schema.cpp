// The node store's schema, as the migrations that build it.
#include "node/internal/store_impl.h"

namespace fieldsync::node {
namespace {

// kMigrations[i] moves a database from version i to i + 1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE ops(node BLOB NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, body BLOB NOT NULL,
                 PRIMARY KEY(node, seq)) WITHOUT ROWID;
CREATE TABLE registers(entity_type INTEGER NOT NULL, entity BLOB NOT NULL, field INTEGER NOT NULL,
                       tag INTEGER NOT NULL, value, hlc INTEGER NOT NULL, node BLOB NOT NULL, seq INTEGER NOT NULL,
                       PRIMARY KEY(entity_type, entity, field)) WITHOUT ROWID;
-- Lookups by value exist for cases, visits, shipments and stock documents
-- only (numbers and references); units, items and locations are not indexed.
CREATE INDEX registers_by_value ON registers(entity_type, field, value) WHERE entity_type IN (4, 5, 6, 7);
-- An index of the facts in the op log (their bodies stay in ops).
CREATE TABLE facts(node BLOB NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL, entity BLOB NOT NULL,
                   at INTEGER NOT NULL, PRIMARY KEY(node, seq)) WITHOUT ROWID;
CREATE INDEX facts_by_entity ON facts(kind, entity);
CREATE TABLE moves(node BLOB NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, at INTEGER NOT NULL,
                   kind INTEGER NOT NULL, doc BLOB NOT NULL, item BLOB NOT NULL, from_loc BLOB NOT NULL,
                   to_loc BLOB NOT NULL, qty INTEGER NOT NULL, unit BLOB, service_case BLOB, shipment BLOB,
                   forced INTEGER NOT NULL, PRIMARY KEY(node, seq)) WITHOUT ROWID;
CREATE INDEX moves_by_doc ON moves(doc);
CREATE INDEX moves_by_unit ON moves(unit) WHERE unit IS NOT NULL;
CREATE INDEX moves_by_case ON moves(service_case) WHERE service_case IS NOT NULL;
CREATE TABLE balances(item BLOB NOT NULL, location BLOB NOT NULL, qty INTEGER NOT NULL,
                      PRIMARY KEY(item, location)) WITHOUT ROWID;
CREATE TABLE unit_places(unit BLOB PRIMARY KEY, location BLOB NOT NULL, at INTEGER NOT NULL, hlc INTEGER NOT NULL,
                         node BLOB NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE unit_dates(unit BLOB PRIMARY KEY, installed INTEGER, delivered INTEGER) WITHOUT ROWID;
CREATE TABLE statuses(entity_type INTEGER NOT NULL, entity BLOB NOT NULL, status INTEGER NOT NULL,
                      counted INTEGER NOT NULL, anomalies INTEGER NOT NULL, last_at INTEGER NOT NULL,
                      PRIMARY KEY(entity_type, entity)) WITHOUT ROWID;
)sql",
    // 2: reconciliation walks one (item, location)'s ledger in business-time order.
    R"sql(
CREATE INDEX moves_by_item_from ON moves(item, from_loc);
CREATE INDEX moves_by_item_to ON moves(item, to_loc);
)sql",
    // 3: each node's latest registration claim per unit (duplicate registrations), transit lines.
    R"sql(
CREATE TABLE unit_claims(unit BLOB NOT NULL, node BLOB NOT NULL, build_code TEXT, customer TEXT,
                         hlc INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(unit, node)) WITHOUT ROWID;
-- Transit movements (transit_out 3, transit_in 4), for the conservation sweep.
CREATE INDEX moves_in_transit ON moves(doc, item, unit) WHERE kind IN (3, 4);
)sql",
    // 4: ledger blocks, so that a back-dated movement re-checks only its own
    // block of an (item, location) (docs/reconciliation.md, "Long ledgers").
    // Existing ledgers start as one block each, recomputed and split on first use;
    // its start is LedgerKey's default (minimum time, zero node, seq 0).
    R"sql(
DROP INDEX moves_by_item_from;
DROP INDEX moves_by_item_to;
CREATE INDEX moves_by_item_from ON moves(item, from_loc, at, hlc);
CREATE INDEX moves_by_item_to ON moves(item, to_loc, at, hlc);
CREATE TABLE ledger_blocks(item BLOB NOT NULL, location BLOB NOT NULL, at INTEGER NOT NULL, hlc INTEGER NOT NULL,
                           node BLOB NOT NULL, seq INTEGER NOT NULL, net INTEGER NOT NULL, low INTEGER NOT NULL,
                           dirty INTEGER NOT NULL, outs BLOB NOT NULL,
                           PRIMARY KEY(item, location, at, hlc, node, seq)) WITHOUT ROWID;
INSERT INTO ledger_blocks
  SELECT item, location, -9223372036854775807 - 1, 0, zeroblob(16), 0, sum(delta), 0, 1, x'' FROM
    (SELECT item, from_loc AS location, -qty AS delta FROM moves UNION ALL SELECT item, to_loc, qty FROM moves)
  GROUP BY item, location;
)sql",
    // 5: a block's running sums are stored big-endian now (sync/bytes.h);
    // every block is recomputed on first use.
    R"sql(
UPDATE ledger_blocks SET dirty = 1, outs = x'';
)sql",
    // 6: stock counts are absolute snapshots at their business time
    // (docs/data-model.md, "Counts"): a balance is the latest count plus the
    // movements after it, and a ledger block whose movements include a count
    // resets there (ledger_blocks.h).
    R"sql(
CREATE TABLE counts(node BLOB NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, at INTEGER NOT NULL,
                    doc BLOB NOT NULL, item BLOB NOT NULL, location BLOB NOT NULL, counted INTEGER NOT NULL,
                    PRIMARY KEY(node, seq)) WITHOUT ROWID;
CREATE INDEX counts_by_ledger ON counts(item, location, at, hlc);
CREATE INDEX counts_by_doc ON counts(doc);
ALTER TABLE balances ADD COLUMN count_at INTEGER;
ALTER TABLE balances ADD COLUMN count_hlc INTEGER;
ALTER TABLE balances ADD COLUMN count_node BLOB;
ALTER TABLE balances ADD COLUMN count_seq INTEGER;
ALTER TABLE ledger_blocks ADD COLUMN reset INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ledger_blocks ADD COLUMN low_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ledger_blocks ADD COLUMN outs_after BLOB NOT NULL DEFAULT x'';
UPDATE ledger_blocks SET dirty = 1;
)sql",
    // 7: checks re-run when a location changes (every balance there) or a
    // van changes hands (every case with parts from it).
    R"sql(
CREATE INDEX balances_by_location ON balances(location);
CREATE INDEX moves_by_source_case ON moves(from_loc, service_case) WHERE service_case IS NOT NULL;
)sql",
    // 8: a count of a serial-tracked item lists the units it found; a unit
    // it did not find, that the ledger had there, is missing from then on.
    R"sql(
CREATE TABLE count_units(node BLOB NOT NULL, seq INTEGER NOT NULL, unit BLOB NOT NULL,
                         PRIMARY KEY(node, seq, unit)) WITHOUT ROWID;
CREATE INDEX count_units_by_unit ON count_units(unit);
ALTER TABLE counts ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;
)sql",
    // 9: scopes (node/scope.cpp) find a driver's shipments' stock documents.
    R"sql(
CREATE INDEX moves_by_shipment ON moves(shipment) WHERE shipment IS NOT NULL;
)sql",
    // 10: attachments (node/attachments.h): the images facts refer to by
    // hash, and which facts refer to them (a projection; a database from
    // before holds no references until it is rebuilt, as none named an image).
    R"sql(
CREATE TABLE attachments(hash BLOB NOT NULL UNIQUE, type TEXT NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL,
                         own INTEGER NOT NULL, sent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE attachment_refs(hash BLOB NOT NULL, node BLOB NOT NULL, seq INTEGER NOT NULL, entity BLOB NOT NULL,
                             PRIMARY KEY(hash, node, seq)) WITHOUT ROWID;
)sql",
    // 11: how many rows each ledger block holds, so that a row appended at
    // the end of its ledger updates the block instead of dirtying it
    // (ledger_blocks.h). Unknown before: counted as full, so the next row
    // added recomputes the block as it did before.
    R"sql(
ALTER TABLE ledger_blocks ADD COLUMN rows INTEGER NOT NULL DEFAULT 512;
)sql",
};

}  // namespace

std::span<const char* const> storeMigrations() { return kMigrations; }

}  // namespace fieldsync::node
