// Ledger blocks: the algorithm and the stored format (ledger_blocks.h).
#include "node/internal/ledger_blocks.h"

#include <algorithm>

#include "node/internal/store_impl.h"
#include "sync/bytes.h"

namespace fieldsync::node {
namespace {

constexpr std::size_t kBlockMoves = 256;  // a block is split when it holds more than twice this

// The two halves use the (item, from_loc | to_loc, at, hlc) indexes; UNION
// keeps a movement once even if it were from and to the same location.
#define FIELDSYNC_LEDGER_RANGE " AND (at, hlc, node, seq) >= (?3, ?4, ?5, ?6) AND (at, hlc, node, seq) < (?7, ?8, ?9, ?10)"
constexpr storage::Sql kMovesAt =
    FIELDSYNC_MOVE_COLUMNS "WHERE item = ?1 AND from_loc = ?2" FIELDSYNC_LEDGER_RANGE " UNION "
    FIELDSYNC_MOVE_COLUMNS "WHERE item = ?1 AND to_loc = ?2" FIELDSYNC_LEDGER_RANGE FIELDSYNC_MOVE_ORDER;
constexpr storage::Sql kCountMovesAt =
    "SELECT count(*) FROM (SELECT node, seq FROM moves WHERE item = ?1 AND from_loc = ?2" FIELDSYNC_LEDGER_RANGE
    " UNION SELECT node, seq FROM moves WHERE item = ?1 AND to_loc = ?2" FIELDSYNC_LEDGER_RANGE ")";
#undef FIELDSYNC_LEDGER_RANGE

}  // namespace

void LedgerBlocks::add(const MoveRow& m, const Id& location, std::int64_t delta) {
  Query(db_.stmt("UPDATE ledger_blocks SET net = net + ?3, dirty = 1 WHERE item = ?1 AND location = ?2 AND "
                 "(at, hlc, node, seq) = (SELECT at, hlc, node, seq FROM ledger_blocks WHERE item = ?1 AND "
                 "location = ?2 AND (at, hlc, node, seq) <= (?4, ?5, ?6, ?7) "
                 "ORDER BY at DESC, hlc DESC, node DESC, seq DESC LIMIT 1)"),
        m.item, location, delta, m.at, m.hlc, m.op.node, m.op.seq)
      .run();
  if (db_.changes() > 0) return;
  const LedgerKey first;  // the first block starts before every movement
  Query(db_.stmt("INSERT INTO ledger_blocks(item, location, at, hlc, node, seq, net, low, dirty, outs) "
                 "VALUES(?, ?, ?, ?, ?, ?, ?, 0, 1, x'')"),
        m.item, location, first.at, first.hlc, first.op.node, first.op.seq, delta)
      .run();
}

std::vector<MoveRow> LedgerBlocks::moves(const Id& item, const Id& location, const LedgerKey& from,
                                         const LedgerKey& to) {
  Query q(db_.stmt(kMovesAt), item, location, from.at, from.hlc, from.op.node, from.op.seq, to.at, to.hlc, to.op.node,
          to.op.seq);
  std::vector<MoveRow> out;
  while (q.step()) out.push_back(moveRow(q.row()));
  return out;
}

// Reads the block's movements one at a time (a block never checked before
// may hold a long history) and writes it back as one or more blocks.
void LedgerBlocks::rewrite(const Id& item, const Id& location, const LedgerKey& start, const LedgerKey& end) {
  auto range = [&](storage::Sql sql) {
    return std::make_unique<Query>(db_.stmt(sql), item, location, start.at, start.hlc, start.op.node, start.op.seq,
                                   end.at, end.hlc, end.op.node, end.op.seq);
  };
  std::size_t count = 0;
  if (auto c = range(kCountMovesAt); c->step()) count = static_cast<std::size_t>((*c)->i64(0));
  Query(db_.stmt("DELETE FROM ledger_blocks WHERE item = ? AND location = ? AND (at, hlc, node, seq) = (?, ?, ?, ?)"),
        item, location, start.at, start.hlc, start.op.node, start.op.seq)
      .run();
  const std::size_t pieces = count > 2 * kBlockMoves ? count / kBlockMoves : 1;
  LedgerKey key = start;
  std::int64_t sum = 0;
  std::vector<std::int64_t> outs;
  auto flush = [&] {
    std::sort(outs.begin(), outs.end());
    std::string bytes;
    for (std::int64_t v : outs) sync::appendBigEndian(bytes, static_cast<std::uint64_t>(v), 8);
    const std::int64_t low = outs.empty() ? 0 : std::min<std::int64_t>(0, outs.front());
    Stmt& s = db_.stmt("INSERT INTO ledger_blocks(item, location, at, hlc, node, seq, net, low, dirty, outs) "
                       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, 0, ?)");
    Query q(s, item, location, key.at, key.hlc, key.op.node, key.op.seq, sum, low);
    s.bindBlob(9, bytes);
    q.run();
  };
  auto moves = range(kMovesAt);
  for (std::size_t i = 0, piece = 0; moves->step(); ++i) {
    const MoveRow m = moveRow(moves->row());
    if (i == (piece + 1) * count / pieces) {  // the next piece starts here
      flush();
      ++piece;
      key = {m.at, m.hlc, m.op};
      sum = 0;
      outs.clear();
    }
    const std::int64_t d = ledgerDelta(m, location);
    sum += d;
    if (d < 0) outs.push_back(sum);
  }
  flush();
}

std::vector<LedgerBlock> LedgerBlocks::blocks(const Id& item, const Id& location) {
  std::vector<LedgerBlock> out;
  std::vector<bool> dirty;
  {
    Query q(db_.stmt("SELECT at, hlc, node, seq, net, low, dirty FROM ledger_blocks WHERE item = ? AND location = ? "
                     "ORDER BY at, hlc, node, seq"),
            item, location);
    while (q.step()) {
      const LedgerKey start{q->i64(0), static_cast<sync::HlcTime>(q->i64(1)),
                            {q->id(2), static_cast<std::uint64_t>(q->i64(3))}};
      if (!out.empty()) out.back().end = start;
      out.push_back({start, kEndOfLedger, q->i64(4), q->i64(5)});
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

Store::LedgerFrom LedgerBlocks::from(const Id& item, const Id& location, const LedgerKey& key) {
  auto less = [](const LedgerKey& x, const LedgerKey& y) {
    return std::tie(x.at, x.hlc, x.op.node, x.op.seq) < std::tie(y.at, y.hlc, y.op.node, y.op.seq);
  };
  Store::LedgerFrom f;
  bool reached = false;  // the walk is past `key`
  std::int64_t balance = 0;
  auto lower = [&](std::int64_t running, std::int64_t at) {
    if (running < f.lowest) {
      f.lowest = running;
      f.lowest_at = at;
    }
  };
  for (const LedgerBlock& b : blocks(item, location)) {
    if (!reached && less(key, b.end)) {  // `key` falls in this block: walk it
      std::int64_t running = balance;
      for (const MoveRow& m : moves(item, location, b.start, b.end)) {
        if (!reached && !less({m.at, m.hlc, m.op}, key)) {
          reached = true;
          f.before = f.lowest = running;
        }
        running += ledgerDelta(m, location);
        if (reached) lower(running, m.at);
      }
      if (!reached) {
        reached = true;
        f.before = f.lowest = running;
      }
    } else if (reached && balance + b.low < f.lowest) {  // after `key`: open only a block that goes lower
      std::int64_t running = balance;
      for (const MoveRow& m : moves(item, location, b.start, b.end))
        if ((running += ledgerDelta(m, location)) == balance + b.low) {
          lower(running, m.at);
          break;
        }
    }
    balance += b.net;
  }
  return f;
}

std::vector<std::int64_t> LedgerBlocks::outs(const Id& item, const Id& location, const LedgerKey& start) {
  Query q(db_.stmt("SELECT outs FROM ledger_blocks WHERE item = ? AND location = ? AND (at, hlc, node, seq) = "
                   "(?, ?, ?, ?)"),
          item, location, start.at, start.hlc, start.op.node, start.op.seq);
  std::vector<std::int64_t> out;
  if (!q.step()) return out;
  const std::string bytes = q->blob(0);
  for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8)
    out.push_back(static_cast<std::int64_t>(sync::readBigEndian(std::string_view(bytes).substr(i, 8))));
  return out;
}

}  // namespace fieldsync::node
