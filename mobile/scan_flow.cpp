#include "mobile/scan_flow.h"

#include <QPointer>
#include <algorithm>

#include "node/model.h"
#include "node/stock.h"
#include "sync/id.h"

namespace fieldsync::mobile {

ScanLinesModel::ScanLinesModel(QObject* parent) : RowModel({"item", "qty", "serials", "error", "canForce"}, parent) {}

ScanFlow::ScanFlow(QObject* parent) : QObject(parent) {}

void ScanFlow::setMode(const QString& mode) {
  mode_ = mode;
  reset();
}

void ScanFlow::reset() {
  step_ = QStringLiteral("location");
  location_.clear();
  target_.clear();
  document_.clear();
  item_.clear();
  error_.clear();
  message_.clear();
  lines_.clear();
  publish();
}

QString ScanFlow::prompt() const {
  if (step_ == QLatin1String("location"))
    return mode_ == QLatin1String("transfer") ? tr("Scan the location to take the goods from")
                                              : tr("Scan the location");
  if (step_ == QLatin1String("target")) return tr("Scan the location to put the goods in");
  if (step_ == QLatin1String("document")) return tr("Scan the transfer's document number (D-...)");
  if (mode_ == QLatin1String("arrival") && lines_.empty())
    return tr("Scan what arrived, or confirm that all of it arrived");
  return tr("Scan items and serials, then confirm");
}

bool ScanFlow::canConfirm() const {
  if (in_flight_ || step_ != QLatin1String("items")) return false;
  return !lines_.empty() || mode_ == QLatin1String("arrival");
}

void ScanFlow::publish() {
  Rows rows;
  for (const auto& l : lines_)
    rows.push_back({l.item, l.tracked ? QString::number(l.serials.size()) : qty(l.qty), l.serials.join(QStringLiteral(", ")),
                    l.error, l.can_force});
  lines_model_.setRows(std::move(rows));
  emit changed();
}

ScanFlow::Line& ScanFlow::lineOf(const QString& item, bool tracked) {
  auto it = std::find_if(lines_.begin(), lines_.end(), [&](const Line& l) { return l.item == item; });
  if (it != lines_.end()) return *it;
  lines_.push_back({item, tracked, 0, {}, {}, false});
  return lines_.back();
}

void ScanFlow::scan(const QString& raw) {
  const QString code = text(sync::normaliseSerial(raw.toStdString()));
  error_.clear();
  message_.clear();
  if (code.isEmpty() || !app_) return publish();
  const Catalog& c = app_->catalog();
  if (step_ == QLatin1String("location") || step_ == QLatin1String("target")) {
    if (!c.locations.contains(code)) {
      error_ = tr("%1 is not a location that holds stock").arg(code);
    } else if (c.locations[code] == QLatin1String("transit")) {
      error_ = tr("%1 holds what is on its way: scan the location it arrives at (arrival)").arg(code);
    } else if (step_ == QLatin1String("location")) {
      location_ = code;
      step_ = mode_ == QLatin1String("transfer")  ? QStringLiteral("target")
              : mode_ == QLatin1String("arrival") ? QStringLiteral("document")
                                                  : QStringLiteral("items");
    } else if (code == location_) {
      error_ = tr("The goods are already at %1: scan where they go").arg(code);
    } else {
      target_ = code;
      step_ = QStringLiteral("items");
    }
    return publish();
  }
  if (step_ == QLatin1String("document")) {
    document_ = text(sync::normaliseText(raw.toStdString()));  // document numbers hold lower-case hex
    step_ = QStringLiteral("items");
    return publish();
  }
  if (code.toUtf8().size() > static_cast<qsizetype>(node::kMaxCodeBytes))
    error_ = tr("%1 is too long for a code or serial (at most %2 bytes)").arg(code.left(40) + QStringLiteral("\u2026"))
                 .arg(node::kMaxCodeBytes);
  else
    scanItems(raw, code);
  publish();
}

void ScanFlow::scanItems(const QString& raw, const QString& code) {
  const Catalog& c = app_->catalog();
  if (const auto it = c.items.find(code); it != c.items.end()) {
    item_ = code;
    Line& l = lineOf(code, *it);
    if (!l.tracked) l.qty += 1000;
    return;
  }
  if (const auto it = c.serials.find(code); it != c.serials.end()) {
    Line& l = lineOf(*it, true);
    item_ = *it;
    if (l.serials.contains(code)) error_ = tr("%1 is scanned already").arg(code);
    else l.serials << code;
    return;
  }
  if (c.locations.contains(code)) {
    error_ = tr("%1 is a location: confirm or start over to change the location").arg(code);
    return;
  }
  const auto selected = c.items.find(item_);
  if (selected == c.items.end()) {
    error_ = tr("%1 is neither an item nor a known serial: scan an item first").arg(code);
  } else if (*selected) {
    Line& l = lineOf(item_, true);
    if (l.serials.contains(code)) error_ = tr("%1 is scanned already").arg(code);
    else l.serials << code;  // a new serial: a receipt registers it
  } else if (auto q = typedQty(raw, "quantity"); !q) {
    error_ = tr("%1 is not known; %2 is not tracked by serial (type a number for its quantity)").arg(code, item_);
  } else if (*q < 0 || (*q == 0 && mode_ != QLatin1String("count"))) {
    error_ = tr("A quantity is more than 0 (a count may be 0): %1").arg(raw.trimmed());
  } else {
    lineOf(item_, false).qty = *q;
  }
}

void ScanFlow::removeLine(int row) {
  if (row < 0 || row >= static_cast<int>(lines_.size())) return;
  lines_.erase(lines_.begin() + row);
  publish();
}

App::Command ScanFlow::commandFor(const Line& line, bool force) const {
  const std::string item = line.item.toStdString(), at = location_.toStdString(), to = target_.toStdString(),
                    doc = document_.toStdString(), mode = mode_.toStdString();
  std::vector<std::string> serials;
  for (const auto& s : line.serials) serials.push_back(s.toStdString());
  const std::optional<std::int64_t> amount =
      line.tracked || line.item.isEmpty() ? std::nullopt : std::optional(line.qty);
  return [=](node::Node& n) -> sync::Result<QString> {
    node::Stock stock(n);
    if (mode == "count") {
      node::CountSpec spec{item, at, serials.empty() && !amount ? std::optional<std::int64_t>(0) : amount, serials,
                           std::nullopt, force};
      auto r = stock.count(spec);
      if (!r) return r.error();
      return tr("Counted %1 at %2: %3 (variance %4)").arg(text(r->item), text(r->location), qty(r->counted), qty(r->variance));
    }
    if (mode == "arrival") {
      node::ArrivalSpec spec{doc, at, serials, amount, item, std::nullopt, force};
      auto r = stock.arrive(spec);
      if (!r) return r.error();
      return tr("%1 arrived at %2").arg(text(r->number), text(r->to));
    }
    node::MoveSpec spec;
    spec.kind = mode == "receipt" ? node::MoveKind::receipt
                : mode == "issue" ? node::MoveKind::issue
                                  : node::MoveKind::transfer;
    spec.item = item;
    spec.serials = serials;
    spec.qty = amount;
    spec.force = force;
    if (mode == "receipt") spec.to = at;
    else spec.from = at;
    if (mode == "transfer") spec.to = to;
    auto r = stock.move(spec);
    if (!r) return r.error();
    return tr("%1 posted: %2 %3 from %4 to %5")
        .arg(text(r->number), text(spec.item), line.tracked ? QString::number(r->serials) : qty(r->qty), text(r->from),
             text(r->to));
  };
}

void ScanFlow::finished(const QString& item, bool ok, const QString& m, bool can_force) {
  --in_flight_;
  const auto line = std::find_if(lines_.begin(), lines_.end(), [&](const Line& l) { return l.item == item; });
  if (ok) {
    if (line != lines_.end()) lines_.erase(line);
    message_ = message_.isEmpty() ? m : message_ + QLatin1Char('\n') + m;
    emit posted(m);
  } else {
    Line& l = line != lines_.end() ? *line : lines_.emplace_back();  // an arrival of everything: a line now
    l.error = m;
    l.can_force = can_force;
  }
  if (!in_flight_) {
    const auto refused = std::count_if(lines_.begin(), lines_.end(), [](const Line& l) { return !l.error.isEmpty(); });
    if (refused) error_ = tr("Lines not posted: %n; the reason is under each", "", static_cast<int>(refused));
  }
  publish();
}

void ScanFlow::post(const Line& line, bool force) {
  ++in_flight_;
  app_->run(commandFor(line, force), [guard = QPointer(this), item = line.item](bool ok, const QString& m, bool f) {
    if (guard) guard->finished(item, ok, m, f);  // the screen may have gone meanwhile
  });
}

void ScanFlow::confirm() {
  if (!app_ || !canConfirm()) return;
  error_.clear();
  message_.clear();
  for (auto& l : lines_) {
    l.error.clear();
    l.can_force = false;
    post(l, false);
  }
  if (lines_.empty()) post({}, false);  // an arrival of everything still in transit
  publish();
}

void ScanFlow::force(int row) {
  if (!app_ || in_flight_ || row < 0 || row >= static_cast<int>(lines_.size()) || !lines_[row].can_force) return;
  error_.clear();
  message_.clear();
  lines_[row].error.clear();
  lines_[row].can_force = false;
  post(lines_[row], true);
  publish();
}

}  // namespace fieldsync::mobile
