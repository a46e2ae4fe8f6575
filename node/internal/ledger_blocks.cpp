// Ledger blocks: the algorithm and the stored format (ledger_blocks.h).
#include "node/internal/ledger_blocks.h"

#include <algorithm>
#include <optional>

#include "node/internal/store_impl.h"
#include "sync/bytes.h"

namespace fieldsync::node {
namespace {

constexpr std::size_t kBlockMoves = 256;  // a block is split when it holds more than twice this

// A ledger's rows: its movements (the two halves use the (item, from_loc |
// to_loc, at, hlc) indexes; UNION keeps a movement once even if it were
// from and to the same location) and its counts, as absolute rows.
#define FIELDSYNC_LEDGER_RANGE " AND (at, hlc, node, seq) >= (?3, ?4, ?5, ?6) AND (at, hlc, node, seq) < (?7, ?8, ?9, ?10)"
#define FIELDSYNC_COUNT_ROWS FIELDSYNC_COUNT_COLUMNS "WHERE item = ?1 AND location = ?2" FIELDSYNC_LEDGER_RANGE
constexpr storage::Sql kRowsAt =
    FIELDSYNC_MOVE_COLUMNS "WHERE item = ?1 AND from_loc = ?2" FIELDSYNC_LEDGER_RANGE " UNION "
    FIELDSYNC_MOVE_COLUMNS "WHERE item = ?1 AND to_loc = ?2" FIELDSYNC_LEDGER_RANGE " UNION ALL "
    FIELDSYNC_COUNT_ROWS FIELDSYNC_MOVE_ORDER;
constexpr storage::Sql kCountRowsAt =
    "SELECT count(*) FROM (SELECT node, seq FROM moves WHERE item = ?1 AND from_loc = ?2" FIELDSYNC_LEDGER_RANGE
    " UNION SELECT node, seq FROM moves WHERE item = ?1 AND to_loc = ?2" FIELDSYNC_LEDGER_RANGE
    " UNION ALL SELECT node, seq FROM counts WHERE item = ?1 AND location = ?2" FIELDSYNC_LEDGER_RANGE ")";
#undef FIELDSYNC_COUNT_ROWS
#undef FIELDSYNC_LEDGER_RANGE


std::string pack(std::vector<std::int64_t> values) {
  std::sort(values.begin(), values.end());
  std::string bytes;
  for (std::int64_t v : values) sync::appendBigEndian(bytes, static_cast<std::uint64_t>(v), 8);
  return bytes;
}

std::vector<std::int64_t> unpack(const std::string& bytes) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8)
    out.push_back(static_cast<std::int64_t>(sync::readBigEndian(std::string_view(bytes).substr(i, 8))));
  return out;
}

// Is there a row of the ledger after a key (?3-?6)? Then a row at the key
// is not after every row of its block. The `at` bounds give each index a range.
constexpr storage::Sql kLaterRow =
    "SELECT 1 FROM moves WHERE item = ?1 AND from_loc = ?2 AND at >= ?3 AND (at, hlc, node, seq) > (?3, ?4, ?5, ?6) "
    "UNION ALL SELECT 1 FROM moves WHERE item = ?1 AND to_loc = ?2 AND at >= ?3 AND (at, hlc, node, seq) > (?3, ?4, ?5, ?6) "
    "UNION ALL SELECT 1 FROM counts WHERE item = ?1 AND location = ?2 AND at >= ?3 AND (at, hlc, node, seq) > (?3, ?4, ?5, ?6) "
    "LIMIT 1";

}  // namespace

// A block's summary (ledger_blocks.h), as its rows are appended in order.
struct LedgerBlocks::Summary {
  std::int64_t rows = 0;
  std::int64_t value = 0;  // the running sum from 0 at the start; after a count, the balance (stored as net)
  std::int64_t low = 0, low_after = 0;
  bool reset = false;
  std::vector<std::int64_t> outs, outs_after;  // in any order; stored sorted
  void append(const MoveRow& m, const Id& location) {
    ++rows;
    const bool first_count = m.absolute && !reset;
    value = ledgerAfter(value, m, location);
    if (first_count) {
      reset = true;
      low_after = value;
    }
    if (reset) low_after = std::min(low_after, value);
    else low = std::min(low, value);
    if (!m.absolute && ledgerDelta(m, location) < 0) (reset ? outs_after : outs).push_back(value);
  }
};

// A row after every other of its ledger, in a block short of its split,
// updates the block's summary; any other marks the block dirty.
void LedgerBlocks::add(const MoveRow& m, const Id& location) {
  LedgerKey start;  // the block m falls in: the last that starts at or before it; the first starts before every row
  std::optional<Summary> s = Summary{};  // its summary; none when it is dirty
  {
    Query q(db_.stmt("SELECT at, hlc, node, seq, dirty, rows, net, low, reset, low_after, outs, outs_after "
                     "FROM ledger_blocks WHERE item = ?1 AND location = ?2 AND (at, hlc, node, seq) <= (?3, ?4, ?5, ?6) "
                     "ORDER BY at DESC, hlc DESC, node DESC, seq DESC LIMIT 1"),
            m.item, location, m.at, m.hlc, m.op.node, m.op.seq);
    if (q.step()) {
      start = {q->i64(0), static_cast<sync::HlcTime>(q->i64(1)), {q->id(2), static_cast<std::uint64_t>(q->i64(3))}};
      if (q->i64(4) != 0) s.reset();
      else s = Summary{q->i64(5), q->i64(6), q->i64(7), q->i64(9), q->i64(8) != 0, unpack(q->blob(10)), unpack(q->blob(11))};
    }
  }
  if (s && s->rows < 2 * static_cast<std::int64_t>(kBlockMoves) &&
      !Query(db_.stmt(kLaterRow), m.item, location, m.at, m.hlc, m.op.node, m.op.seq).step()) {
    s->append(m, location);
    write(m.item, location, start, *s);
    return;
  }
  Query(db_.stmt("INSERT INTO ledger_blocks(item, location, at, hlc, node, seq, net, low, dirty, outs) "
                 "VALUES(?, ?, ?, ?, ?, ?, 0, 0, 1, x'') "
                 "ON CONFLICT(item, location, at, hlc, node, seq) DO UPDATE SET dirty = 1"),
        m.item, location, start.at, start.hlc, start.op.node, start.op.seq)
      .run();
}

void LedgerBlocks::write(const Id& item, const Id& location, const LedgerKey& start, Summary& s) {
  Stmt& st = db_.stmt("INSERT OR REPLACE INTO ledger_blocks(item, location, at, hlc, node, seq, net, low, dirty, outs, "
                      "reset, low_after, outs_after, rows) VALUES(?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)");
  Query q(st, item, location, start.at, start.hlc, start.op.node, start.op.seq, s.value, s.low);
  st.bindBlob(9, pack(std::move(s.outs)));
  st.bind(10, s.reset);
  st.bind(11, s.low_after);
  st.bindBlob(12, pack(std::move(s.outs_after)));
  st.bind(13, s.rows);
  q.run();
}

std::vector<MoveRow> LedgerBlocks::moves(const Id& item, const Id& location, const LedgerKey& from,
                                         const LedgerKey& to) {
  Query q(db_.stmt(kRowsAt), item, location, from.at, from.hlc, from.op.node, from.op.seq, to.at, to.hlc, to.op.node,
          to.op.seq);
  std::vector<MoveRow> out;
  while (q.step()) out.push_back(moveRow(q.row()));
  return out;
}

// Reads the block's rows one at a time (a block never checked before may
// hold a long history) and writes it back as one or more blocks.
void LedgerBlocks::rewrite(const Id& item, const Id& location, const LedgerKey& start, const LedgerKey& end) {
  auto range = [&](storage::Sql sql) {
    return std::make_unique<Query>(db_.stmt(sql), item, location, start.at, start.hlc, start.op.node, start.op.seq,
                                   end.at, end.hlc, end.op.node, end.op.seq);
  };
  std::size_t count = 0;
  if (auto c = range(kCountRowsAt); c->step()) count = static_cast<std::size_t>((*c)->i64(0));
  Query(db_.stmt("DELETE FROM ledger_blocks WHERE item = ? AND location = ? AND (at, hlc, node, seq) = (?, ?, ?, ?)"),
        item, location, start.at, start.hlc, start.op.node, start.op.seq)
      .run();
  const std::size_t pieces = count > 2 * kBlockMoves ? count / kBlockMoves : 1;
  LedgerKey key = start;
  Summary s;
  auto rows = range(kRowsAt);
  for (std::size_t i = 0, piece = 0; rows->step(); ++i) {
    const MoveRow m = moveRow(rows->row());
    if (i == (piece + 1) * count / pieces) {  // the next piece starts here
      write(item, location, key, s);
      ++piece;
      key = keyOf(m);
      s = Summary{};
    }
    s.append(m, location);
  }
  write(item, location, key, s);
}

std::vector<LedgerBlock> LedgerBlocks::blocks(const Id& item, const Id& location) {
  std::vector<LedgerBlock> out;
  std::vector<bool> dirty;
  {
    Query q(db_.stmt("SELECT at, hlc, node, seq, net, low, dirty, reset, low_after FROM ledger_blocks "
                     "WHERE item = ? AND location = ? ORDER BY at, hlc, node, seq"),
            item, location);
    while (q.step()) {
      const LedgerKey start{q->i64(0), static_cast<sync::HlcTime>(q->i64(1)),
                            {q->id(2), static_cast<std::uint64_t>(q->i64(3))}};
      if (!out.empty()) out.back().end = start;
      out.push_back({start, kEndOfLedger, q->i64(7) != 0, q->i64(4), q->i64(5), q->i64(8)});
      dirty.push_back(q->i64(6) != 0);
    }
  }
  bool rewritten = false;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (dirty[i]) {
      rewrite(item, location, out[i].start, out[i].end);
      rewritten = true;
    }
  return rewritten ? blocks(item, location) : out;  // read again: no block is dirty now
}

Store::LedgerOuts LedgerBlocks::outs(const Id& item, const Id& location, const LedgerKey& start) {
  Query q(db_.stmt("SELECT outs, outs_after FROM ledger_blocks WHERE item = ? AND location = ? AND "
                   "(at, hlc, node, seq) = (?, ?, ?, ?)"),
          item, location, start.at, start.hlc, start.op.node, start.op.seq);
  if (!q.step()) return {};
  return {unpack(q->blob(0)), unpack(q->blob(1))};
}

Store::LedgerFrom LedgerBlocks::from(const Id& item, const Id& location, const LedgerKey& key) {
  Store::LedgerFrom f;
  bool reached = false;  // the walk is past `key`
  std::int64_t balance = 0;
  auto lower = [&](std::int64_t value, std::int64_t at) {
    if (!f.lowest_after || value < *f.lowest_after) {
      f.lowest_after = value;
      f.lowest_at = at;
    }
  };
  for (const LedgerBlock& b : blocks(item, location)) {
    if (!reached && less(key, b.end)) {  // `key` falls in this block
      // The rows from `key` on, few when it is near the end. Read from its
      // time on and compared here: a key's hlc may be HlcTime's maximum
      // ("after every row at that time"), which SQLite's integers cannot order.
      const LedgerKey at{key.at, 0, {}};
      std::vector<MoveRow> rest = moves(item, location, less(b.start, at) ? at : b.start, b.end);
      std::erase_if(rest, [&](const MoveRow& m) { return less(keyOf(m), key); });
      std::int64_t running;
      if (std::any_of(rest.begin(), rest.end(), [](const MoveRow& m) { return m.absolute; })) {
        running = balance;  // a count from `key` on: walk the block up to `key`
        for (const MoveRow& m : moves(item, location, b.start, b.end))
          if (less(keyOf(m), key)) running = ledgerAfter(running, m, location);
      } else {  // the block's end less what the rows from `key` on did
        running = b.after(balance);
        for (const MoveRow& m : rest) running -= ledgerDelta(m, location);
      }
      reached = true;
      f.before = running;
      for (const MoveRow& m : rest) {
        if (m.absolute) return f;  // a count: what follows no longer depends on `key`
        running = ledgerAfter(running, m, location);
        lower(running, m.at);
      }
    } else if (reached) {  // after `key`, up to its first count
      if (balance + b.low < f.lowest_after.value_or(balance + 1)) {  // open the block only when it goes lower
        std::int64_t running = balance;
        for (const MoveRow& m : moves(item, location, b.start, b.end)) {
          if (m.absolute) break;
          running = ledgerAfter(running, m, location);
          lower(running, m.at);
        }
      }
      if (b.reset) return f;
    }
    balance = b.after(balance);
  }
  return f;
}

}  // namespace fieldsync::node
