#include "server/internal/pipeline.h"

#include <algorithm>

#include "node/field_table.h"
#include "storage/sqlite.h"

namespace fieldsync::server {

Status MergePipeline::forward() {
  try {
    // Each replica's own: several server processes may share one store.
    const std::string key = "forwarded " + merged_.nodeId().hex();
    auto ops = merged_.opsOf(merged_.nodeId(), store_.metaNumber(key), 1'000'000);
    if (!ops) return ops.error();
    if (ops->empty()) return {};
    auto tx = store_.transaction();
    store_.appendOwn(*ops);
    store_.setMeta(key, std::to_string(ops->back().id.seq));
    tx->commit();
    return {};
  } catch (const storage::StoreError& e) {
    return e.error();
  }
}

Status MergePipeline::forwardIf(Result<std::uint64_t> written) {
  if (!written) return written.error();
  return *written ? forward() : Status{};
}

Status MergePipeline::catchUp() {
  auto done = catchUpSome(SIZE_MAX);
  if (!done) return done.error();
  return {};
}

// The checks run in one process at a time, the store's leader (docs/server.md,
// "Several servers"). "checked" in the store is how far the log has been
// checked: a new leader checks what its replica merged while another led,
// and a replica rebuilt from the log never checks history again (it would
// raise anew, under new op ids, exceptions resolved since).
std::uint64_t MergePipeline::checkUpTo(std::uint64_t cursor) {
  if (!store_.meta("checked")) {  // a store from before the mark: its history was checked as it came
    store_.setMeta("checked", std::to_string(cursor));
    return cursor;
  }
  std::uint64_t at = store_.metaNumber("checked");
  while (at < cursor) {
    std::vector<sync::Op> batch;
    for (LoggedOp& l : store_.opsAfter(at, sync::Id{}, 5000)) {
      if (l.server_seq > cursor) break;
      batch.push_back(std::move(l.op));
      at = l.server_seq;
    }
    if (batch.empty()) break;
    if (auto ok = forwardIf(node::Reconciler(merged_).reconcile(batch, checks_.max_transit_ms)); !ok)
      throw storage::StoreError(ok.error().message, ok.error().code);
    store_.setMeta("checked", std::to_string(at));
  }
  return at;
}

Result<bool> MergePipeline::catchUpSome(std::size_t max_ops) {
  auto merged_cursor = merged_.settingNumber("sync.cursor");
  if (!merged_cursor) return merged_cursor.error();
  std::uint64_t cursor = *merged_cursor;
  try {
    const bool checking = checks_.on && store_.leads();
    std::uint64_t checked = checking ? checkUpTo(cursor) : 0;
    for (std::size_t merged = 0; merged < max_ops;) {
      std::vector<LoggedOp> logged = store_.opsAfter(cursor, sync::Id{}, 5000);
      if (logged.empty()) {  // also what a crash left unforwarded
        if (auto ok = forward(); !ok) return ok.error();
        return true;
      }
      std::vector<sync::Op> batch;
      std::size_t unchecked = 0;  // the first op after the mark
      for (LoggedOp& l : logged) {
        if (l.server_seq <= checked) ++unchecked;
        batch.push_back(std::move(l.op));
      }
      cursor = logged.back().server_seq;
      merged += batch.size();
      if (auto ok = merged_.applyPulled(batch, cursor); !ok) return ok.error();
      if (checking && cursor > checked) {
        const std::span<const sync::Op> fresh = std::span(batch).subspan(unchecked);
        if (auto ok = forwardIf(node::Reconciler(merged_).reconcile(fresh, checks_.max_transit_ms)); !ok)
          return ok.error();
        store_.setMeta("checked", std::to_string(cursor));
        checked = cursor;
      }
    }
  } catch (const storage::StoreError& e) {
    return e.error();
  }
  return false;
}

Status MergePipeline::sweepTransit() {
  try {
    if (!store_.leads()) return {};  // the leader sweeps
  } catch (const storage::StoreError& e) {
    return e.error();
  }
  return forwardIf(node::Reconciler(merged_).sweepTransit(checks_.max_transit_ms));
}

Status MergePipeline::checkClock(const Device& device, const std::vector<sync::Op>& ops, std::int64_t now) {
  const std::int64_t bound = checks_.max_clock_skew_ms;
  std::int64_t worst = 0;
  std::uint64_t count = 0, last = device.watermark;
  for (const sync::Op& op : ops) {
    last = std::max(last, op.id.seq);
    const auto ahead = static_cast<std::int64_t>(sync::hlcMillis(op.hlc)) - now;
    if (ahead <= bound) continue;
    worst = std::max(worst, ahead);
    ++count;
  }
  const std::int64_t offset = device.clock_offset_ms;
  const bool skewed = offset > bound || offset < -bound;
  if (!count && !skewed) return {};
  // In whole minutes, so that each handshake does not rewrite the exception.
  auto minutes = [](std::int64_t ms) { return std::to_string(((ms < 0 ? -ms : ms) + 30'000) / 60'000); };
  std::string detail;
  if (skewed)
    detail = "its clock was " + minutes(offset) + " minutes " + (offset < 0 ? "behind" : "ahead of") +
             " the server's at its last handshake";
  if (count)
    detail += (detail.empty() ? "" : "; ") + std::to_string(count) + " ops up to seq " + std::to_string(last) +
              " stamped up to " + minutes(worst) + " minutes ahead of the server's clock";
  // More ops made while skewed are new evidence: a resolved exception reopens.
  return forwardIf(node::Reconciler(merged_).raise(
      {"clock_skew", {device.node}, "device " + device.node.hex() + " (" + device.branch + "/" + device.role + ")",
       detail, "fix the device's clock (NTP, time zone); its ops were applied", static_cast<std::int64_t>(last)}));
}

Status MergePipeline::raiseQuarantine(const Device& device) {
  std::vector<HeldOp> held;
  std::uint64_t ever = 0;
  try {
    held = store_.held(device.node);
    ever = store_.quarantinedEver(device.node);
  } catch (const storage::StoreError& e) {
    return e.error();
  }
  if (held.empty()) return {};
  std::string detail = std::to_string(held.size()) + " ops held, never applied: ";
  const std::size_t shown = std::min<std::size_t>(held.size(), 5);
  for (std::size_t i = 0; i < shown; ++i)
    detail += (i ? "; " : "") + std::string("op ") + std::to_string(held[i].op.id.seq) + " (" +
              node::opLabel(held[i].op) + "): " + held[i].reason;
  if (held.size() > shown) detail += "; and " + std::to_string(held.size() - shown) + " more";
  std::string who = device.branch + "/" + device.role + (device.person.empty() ? "" : "/" + device.person);
  return forwardIf(node::Reconciler(merged_).raise(
      {"quarantined", {device.node}, "device " + device.node.hex() + " (" + who + ")", detail,
       "release them to apply them (fieldsync-server exceptions resolve X --note ... --release) or reject them "
       "(--reject): work done offline before the device learned of a reassignment or handover is usually "
       "released; ops no command of the device would make point to a modified client",
       static_cast<std::int64_t>(ever)}));
}

}  // namespace fieldsync::server
