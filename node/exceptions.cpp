// The exception queue on a node: list, show, resolve (docs/reconciliation.md).
#include "node/exceptions.h"

#include <algorithm>
#include <cstdlib>

#include "node/internal/core.h"

namespace fieldsync::node {
namespace {

Result<Id> findException(Node::Core& core, std::string_view ref) {
  for (const Id& id : core.store->entityIds(EntityType::exception))
    if (id.hex() == ref || textOf(core.store->entity(EntityType::exception, id), exception_f::number) == ref) return id;
  return sync::fail(Errc::not_found, "exception: '" + std::string(ref) + "' is not a known exception number or id");
}

ExceptionRow exceptionRow(const Attributes& a) {
  return {textOf(a, exception_f::number), textOf(a, exception_f::kind), textOf(a, exception_f::status),
          textOf(a, exception_f::subjects), intOf(a, exception_f::raised_at)};
}

}  // namespace

Exceptions::Exceptions(Node& node) : core_(*node.core_) {}

Result<std::vector<ExceptionRow>> Exceptions::list(bool include_resolved) {
  return core_.query<std::vector<ExceptionRow>>([&]() -> Result<std::vector<ExceptionRow>> {
    std::vector<ExceptionRow> out;
    for (const Id& id : core_.store->entityIds(EntityType::exception)) {
      const Attributes a = core_.store->entity(EntityType::exception, id);
      if (include_resolved || textOf(a, exception_f::status) == "open") out.push_back(exceptionRow(a));
    }
    std::sort(out.begin(), out.end(), [](const ExceptionRow& x, const ExceptionRow& y) {
      return std::tie(x.kind, x.subjects) < std::tie(y.kind, y.subjects);
    });
    return out;
  });
}

Result<ExceptionView> Exceptions::show(std::string_view ref) {
  return core_.query<ExceptionView>([&]() -> Result<ExceptionView> {
    auto id = findException(core_, ref);
    if (!id) return id.error();
    const Attributes a = core_.store->entity(EntityType::exception, *id);
    return ExceptionView{exceptionRow(a), textOf(a, exception_f::detail), textOf(a, exception_f::suggestion),
                         textOf(a, exception_f::note), *id, idsOf(a, exception_f::subject_ids)};
  });
}

Result<Resolved> Exceptions::resolve(std::string_view ref, const Resolution& given) {
  auto note = fieldText("--note", given.note, kMaxTextBytes, "say how it was resolved");
  if (!note) return note.error();
  Resolution how = given;
  how.note = *note;
  if (how.adjust && !how.transfer_from.empty())
    return invalid("--transfer-from", "choose one compensating fact: --adjust or --transfer-from");
  if (how.adjust && *how.adjust == 0) return invalid("--adjust", "an adjustment cannot be 0");
  return core_.command<Resolved>([&]() -> Result<Resolved> {
    auto id = findException(core_, ref);
    if (!id) return id.error();
    const Attributes a = core_.store->entity(EntityType::exception, *id);
    Resolved done{textOf(a, exception_f::number), how.note, {}, {}};
    if (textOf(a, exception_f::kind) == "quarantined" && !how.held_ops_decided)
      return refused("exception " + done.number + " holds ops in the server's quarantine: decide it on the server "
                     "(fieldsync-server exceptions resolve " + done.number + " --release or --reject)");
    if (how.adjust || !how.transfer_from.empty()) {
      const char* option = how.adjust ? "--adjust" : "--transfer-from";
      if (textOf(a, exception_f::status) == "resolved")
        return refused(std::string(option) + ": exception " + done.number +
                       " is already resolved; its stock was compensated then (a new note alone is allowed)");
      if (textOf(a, exception_f::kind) != "negative_stock")
        return invalid(option, "only a negative_stock exception is resolved with a stock movement");
      const std::vector<Id> subjects = idsOf(a, exception_f::subject_ids);  // (item, location)
      if (subjects.size() != 2)
        return sync::fail(Errc::refused, "exception " + done.number + " does not record its item and location (it "
                                         "was raised by an older server); resolve it without a stock movement");
      auto loc = core_.locationById(subjects[1]);
      const Attributes item = core_.store->entity(EntityType::item, subjects[0]);
      if (item.empty() || !loc) return sync::fail(Errc::not_found, "the exception's item or location is unknown here");
      const std::string item_code = textOf(item, item_f::code);
      const MoveContext ctx{{}, {}, {}, "resolves " + done.number + ": " + how.note, true};
      Result<MovePosted> posted = MovePosted{};
      if (how.adjust) {
        auto loss = core_.location("LOSS");
        if (!loss) return loss.error();
        const std::vector<MoveLine> line{{subjects[0], item_code, std::abs(*how.adjust), std::nullopt, {}}};
        posted = *how.adjust > 0 ? core_.postMoves(MoveKind::adjustment, *loss, *loc, line, core_.now(), ctx)
                                 : core_.postMoves(MoveKind::adjustment, *loc, *loss, line, core_.now(), ctx);
      } else {
        // A retroactive transfer: the deepest shortfall, from where the stock
        // really came, just before the first movement that went below zero.
        auto from = core_.location(how.transfer_from);
        if (!from) return from.error();
        if (from->id == loc->id) return invalid("--transfer-from", "is the exception's own location (" + loc->code + ")");
        if (from->kind == LocationKind::transit)
          return invalid("--transfer-from", from->code + " is a transit location: its stock leaves by an arrival");
        const Shortfall s = shortfall(core_, subjects[0], loc->id);
        if (!s.first_at)
          return sync::fail(Errc::refused, "--transfer-from: " + textOf(a, exception_f::subjects) +
                                               " no longer goes below zero; resolve without a stock movement");
        const std::int64_t at = *s.first_at - 1;
        for (const LocationRef* l : {&*from, &*loc})
          if (const auto closed = core_.closedAt(l->id, at))
            return refused("--transfer-from: the transfer would be dated " + formatTime(at) + " at " + l->code +
                           ", inside the closed period (" + closed->name() + " is closed through " +
                           closed->lastDay() + "); resolve with --adjust, which is dated now");
        const std::vector<MoveLine> line{{subjects[0], item_code, -s.lowest, std::nullopt, {}}};
        posted = core_.postMoves(MoveKind::transfer, *from, *loc, line, at, ctx);
      }
      if (!posted) return posted.error();
      done.movement = posted->number;
      done.at = posted->at;
    }
    core_.emit(EntityType::exception, *id, FactKind::none,
               {{exception_f::status, std::string("resolved")}, {exception_f::note, how.note}});
    return done;
  });
}

}  // namespace fieldsync::node
