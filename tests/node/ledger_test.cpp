// Negative stock on long ledgers: the check reads an (item, location)'s
// ledger in blocks (docs/reconciliation.md, "Long ledgers"). Whatever order
// back-dated movements and counts arrive in, it must say what a walk over
// every row says.
#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include "node/node_fixture.h"
#include "storage/sqlite.h"

using namespace fieldsync::test;

namespace {

struct Expected {
  std::int64_t lowest = 0;  // milli-units
  std::int64_t below = 0;   // movements out after which the balance is below zero
};

// A ledger row: a movement's change, or a count's absolute quantity.
struct Row {
  std::int64_t value = 0;  // milli-units
  bool count = false;
};
using Ledger = std::map<std::int64_t, Row>;  // by business time

Expected walk(const Ledger& ledger) {
  Expected e;
  std::int64_t balance = 0;
  for (const auto& [at, row] : ledger) {
    balance = row.count ? row.value : balance + row.value;
    if (!row.count && row.value < 0 && balance < 0) {
      ++e.below;
      e.lowest = std::min(e.lowest, balance);
    }
  }
  return e;
}

// The open negative-stock exception's detail for SEAL at WH1, or "".
std::string openDetail(Node& n) {
  auto open = Exceptions(n).list(false);
  REQUIRE(open);
  for (const auto& row : *open)
    if (row.kind == "negative_stock" && row.subjects == "SEAL at WH1") {
      auto shown = Exceptions(n).show(row.number);
      REQUIRE(shown);
      return shown->detail;
    }
  return "";
}

void checkAgrees(Node& n, const Ledger& ledger) {
  const Expected e = walk(ledger);
  const std::string detail = openDetail(n);
  INFO("ledger of " << ledger.size() << " movements; detail: " << detail);
  if (e.below == 0) {
    CHECK(detail.empty());
  } else {
    CHECK_THAT(detail, Catch::Contains("went down to " + formatQty(e.lowest) + " in business-time order"));
    CHECK_THAT(detail, Catch::Contains("); " + std::to_string(e.below) + " movement"));
  }
}

}  // namespace

TEST_CASE("the block-wise negative-stock check agrees with a walk over every movement", "[node][reconcile]") {
  // Seeds 1-3 shuffle every row; 6 and 7 record most rows in business-time
  // order (each appended at the end: the blocks' fast path) and a few back-dated.
  const std::uint64_t seed = GENERATE(1, 2, 3, 6, 7);
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  TempDir dir;
  auto n = newNode(dir, "n.db");
  addCatalogue(*n);
  // 1,500 movements and counts (blocks split past 512 rows) at distinct times.
  std::vector<std::int64_t> minutes(1500);
  std::iota(minutes.begin(), minutes.end(), 0);
  if (seed < 6) std::shuffle(minutes.begin(), minutes.end(), rng);
  else
    for (std::size_t i = 0; i + 10 < minutes.size(); ++i)
      if (rng() % 100 == 0) std::swap(minutes[i], minutes[i + 1 + rng() % 10]);
  const std::int64_t day0 = *parseTime("2026-01-01", "t");
  Ledger ledger;
  std::size_t done = 0;
  while (done < minutes.size()) {
    const std::uint64_t before = *n->ownSeq();
    const std::size_t batch = std::min<std::size_t>(1 + rng() % 200, minutes.size() - done);
    for (std::size_t k = 0; k < batch; ++k, ++done) {
      const std::int64_t at = day0 + minutes[done] * 60'000, qty = 1 + static_cast<std::int64_t>(rng() % 3);
      if (rng() % 25 == 0) {  // now and then a count
        REQUIRE(Stock(*n).count({"SEAL", "WH1", (qty - 1) * 1000, {}, at, true}));
        ledger[at] = {(qty - 1) * 1000, true};
        continue;
      }
      const bool out = rng() % 2 == 0;
      MoveSpec m = out ? qtyMove(MoveKind::issue, "SEAL", "WH1", "", static_cast<double>(qty))
                       : qtyMove(MoveKind::receipt, "SEAL", "", "WH1", static_cast<double>(qty));
      m.at = at;
      m.force = true;
      REQUIRE(Stock(*n).move(m));
      ledger[at] = {out ? -qty * 1000 : qty * 1000};
    }
    auto ops = n->opsOf(n->nodeId(), before, 1'000'000);
    REQUIRE(ops);
    REQUIRE(Reconciler(*n).reconcile(*ops));
    checkAgrees(*n, ledger);
  }
  // A receipt before everything that covers the worst shortfall closes it.
  const std::uint64_t before = *n->ownSeq();
  MoveSpec cover = qtyMove(MoveKind::receipt, "SEAL", "", "WH1", static_cast<double>(-walk(ledger).lowest) / 1000 + 1);
  cover.at = day0 - 60'000;
  REQUIRE(Stock(*n).move(cover));
  ledger[*cover.at] = {*cover.qty};
  REQUIRE(Reconciler(*n).reconcile(*n->opsOf(n->nodeId(), before, 10)));
  checkAgrees(*n, ledger);
}

TEST_CASE("the local check of a back-dated issue agrees with a walk over a long ledger", "[node][stock]") {
  const std::uint64_t seed = GENERATE(4, 5);
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  TempDir dir;
  const std::int64_t day0 = *parseTime("2026-01-01", "t");
  auto n = newNode(dir, "n.db", {[day0] { return static_cast<std::uint64_t>(day0 + 86'400'000); }});
  addCatalogue(*n);
  Ledger ledger;  // by minute
  // 1,200 forced movements and counts (several ledger blocks), mostly receipts.
  for (std::int64_t minute = 0; minute < 1200; ++minute) {
    if (rng() % 40 == 0) {
      const std::int64_t counted = static_cast<std::int64_t>(rng() % 20) * 1000;
      REQUIRE(Stock(*n).count({"SEAL", "WH1", counted, {}, day0 + minute * 60'000, true}));
      ledger[minute] = {counted, true};
      continue;
    }
    const bool out = rng() % 3 == 0;
    const std::int64_t qty = 1 + static_cast<std::int64_t>(rng() % 3);
    MoveSpec m = out ? qtyMove(MoveKind::issue, "SEAL", "WH1", "", static_cast<double>(qty))
                     : qtyMove(MoveKind::receipt, "SEAL", "", "WH1", static_cast<double>(qty));
    m.at = day0 + minute * 60'000;
    m.force = true;
    REQUIRE(Stock(*n).move(m));
    ledger[minute] = {out ? -qty * 1000 : qty * 1000};
  }
  // An issue at a minute between two rows is allowed exactly when the
  // balance then and at every later point up to the next count covers it.
  for (int attempt = 0; attempt < 60; ++attempt) {
    const std::int64_t minute = static_cast<std::int64_t>(rng() % 1200);
    const std::int64_t qty = (1 + static_cast<std::int64_t>(rng() % 40)) * 1000;
    std::int64_t running = 0, lowest = std::numeric_limits<std::int64_t>::max();
    for (const auto& [m, row] : ledger) {
      if (m > minute && row.count) break;  // a later count no longer depends on the issue
      running = row.count ? row.value : running + row.value;
      if (m >= minute) lowest = std::min(lowest, running);  // the new one sorts after those at the same minute
    }
    MoveSpec issue = qtyMove(MoveKind::issue, "SEAL", "WH1", "", static_cast<double>(qty) / 1000);
    issue.at = day0 + minute * 60'000 + 30'000;  // half a minute later
    INFO("attempt " << attempt << ": " << qty << " at minute " << minute << ", lowest from then " << lowest);
    const bool allowed = Stock(*n).move(issue).ok();
    CHECK(allowed == (lowest >= qty));
    if (allowed) ledger[minute].value -= qty;  // same minute: the walk above keeps its order
  }
}

TEST_CASE("a database from before ledger blocks gets them on upgrade", "[node][reconcile]") {
  TempDir dir;
  Ledger ledger;
  std::vector<fieldsync::sync::Op> ops;
  {
    auto n = newNode(dir, "old.db");
    addCatalogue(*n);
    const std::uint64_t before = *n->ownSeq();
    for (int i = 0; i < 40; ++i) {
      const bool out = i % 3 != 0;
      MoveSpec m = out ? qtyMove(MoveKind::issue, "SEAL", "WH1", "", 1) : qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 1);
      m.at = *parseTime("2026-01-01", "t") + (40 - i) * 60'000;  // each one before the last
      m.force = true;
      REQUIRE(Stock(*n).move(m));
      ledger[*m.at] = {out ? -1000 : 1000};
    }
    ops = *n->opsOf(n->nodeId(), before, 100);
  }
  // Turn the file back into schema version 3: no blocks, the old indexes.
  fieldsync::storage::Db(dir.file("old.db"), false)
      .exec("DROP TABLE ledger_blocks; DROP INDEX moves_by_item_from; DROP INDEX moves_by_item_to; "
            "CREATE INDEX moves_by_item_from ON moves(item, from_loc); "
            "CREATE INDEX moves_by_item_to ON moves(item, to_loc); "
            "DROP INDEX balances_by_location; DROP INDEX moves_by_source_case; DROP INDEX moves_by_shipment; "
            "DROP TABLE count_units; DROP TABLE attachments; DROP TABLE attachment_refs; "
            "DROP TABLE counts; ALTER TABLE balances DROP COLUMN count_at; ALTER TABLE balances DROP COLUMN count_hlc; "
            "ALTER TABLE balances DROP COLUMN count_node; ALTER TABLE balances DROP COLUMN count_seq; "
            "PRAGMA user_version = 3;");
  auto reopened = Node::open(dir.file("old.db"));
  REQUIRE(reopened);
  Node& n = **reopened;
  REQUIRE(Reconciler(n).reconcile(ops));
  REQUIRE(walk(ledger).below > 0);
  checkAgrees(n, ledger);
}
