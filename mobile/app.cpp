#include "mobile/app.h"

#include <QDateTime>
#include <QFileInfo>
#include <QMetaObject>
#include <QRegularExpression>
#include <optional>

#include "node/cases.h"
#include "node/catalogue.h"
#include "node/exceptions.h"
#include "node/rights.h"
#include "node/shipments.h"
#include "node/stock.h"
#include "node/sync_client.h"

namespace fieldsync::mobile {

namespace {

std::string utf8(const QString& s) { return s.toStdString(); }
std::string bytesOf(const QByteArray& b) { return std::string(b.constData(), static_cast<std::size_t>(b.size())); }

QStringList names(const auto& statuses) {
  QStringList out;
  for (auto s : statuses) out << text(node::name(s));
  return out;
}

// The node's messages speak to a CLI user: they say to add --force (the
// app asks instead) and name fields by their options ("--qty: ..." reads
// "qty: ...").
QString forApp(const std::string& message) {
  auto m = text(message);
  for (const auto* cue : {"; use --force", " (use --force", ", or use --force"})
    if (const auto at = m.indexOf(QLatin1String(cue)); at >= 0) m.truncate(at);
  static const QRegularExpression option(QStringLiteral("--([a-z][a-z-]*)"));
  return m.replace(option, QStringLiteral("\\1"));
}

}  // namespace

// Everything the screens show, read on the worker in one go.
struct App::Loaded {
  std::optional<sync::Error> error;
  QString role, person, branch, company, van, last_sync;
  int pending = 0;
  Rows cases, balances, low, shipments, exceptions, items;
  Catalog catalog;
  QStringList locations;
  QVariantMap case_, shipment_, exception_;
  bool case_gone = false, shipment_gone = false, exception_gone = false;  // no longer held here
  Rows case_history, shipment_lines, shipment_tracking;
  QString held;
};

namespace {

sync::Status loadCase(node::Node& n, const QString& number, QVariantMap& out, Rows& history) {
  auto c = node::Cases(n).show(utf8(number));
  if (!c) return c.error();
  const auto& s = c->summary;
  out = {{"number", text(s.number)},       {"customer", text(s.customer)}, {"site", text(s.site)},
         {"unit", text(s.unit)},           {"status", text(node::name(s.status))},
         {"priority", text(node::name(s.priority))}, {"problem", text(s.problem)},
         {"reopenCount", static_cast<int>(s.reopen_count)}, {"next", names(node::nextStatuses(s.status))}};
  if (const auto slash = s.unit.find('/'); slash != std::string::npos) {
    auto unit = node::Catalogue(n).unitHistory(s.unit.substr(0, slash), s.unit.substr(slash + 1));
    if (unit && unit->unit.warranty_end) {
      out["warrantyEnd"] = localTime(*unit->unit.warranty_end);
      out["underWarranty"] = unit->under_warranty;
    }
    if (unit) out["unitState"] = text(node::name(unit->unit.state));
  }
  history = HistoryModel::of(c->history);
  return {};
}

sync::Status loadShipment(node::Node& n, const QString& number, QVariantMap& out, Rows& lines, Rows& tracking) {
  auto s = node::Shipments(n).show(utf8(number));
  if (!s) return s.error();
  const auto& r = s->summary;
  out = {{"number", text(r.number)},  {"customer", text(r.customer)}, {"site", text(r.site)},
         {"from", text(r.from)},      {"driver", text(r.driver)},     {"status", text(node::name(r.status))},
         {"attempts", static_cast<int>(r.attempts)}, {"next", names(node::nextStatuses(r.status))}};
  lines.clear();
  for (const auto& l : s->lines)
    lines.push_back({text(l.item), text(l.serial), qty(l.qty), qty(l.delivered), qty(l.refused), qty(l.returned)});
  tracking.clear();
  for (const auto& t : s->tracking) {
    std::string detail = t.recipient.empty() ? t.reason : t.recipient;
    if (!t.place.empty()) detail += (detail.empty() ? "" : ", ") + t.place;
    tracking.push_back({QVariant::fromValue(t.at), localTime(t.at), text(node::name(t.status)), text(detail)});
  }
  return {};
}

sync::Status loadException(node::Node& n, const QString& number, QVariantMap& out) {
  auto x = node::Exceptions(n).show(utf8(number));
  if (!x) return x.error();
  out = {{"number", text(x->row.number)},   {"kind", text(x->row.kind)},     {"status", text(x->row.status)},
         {"subjects", text(x->row.subjects)}, {"raised", localTime(x->row.raised)},
         {"detail", text(x->detail)},       {"suggestion", text(x->suggestion)}, {"note", text(x->note)},
         {"canAdjust", x->row.kind == "negative_stock"}, {"onServer", x->row.kind == "quarantined"}};
  return {};
}

// The open quarantine of this device's own ops, in words (docs/scopes.md):
// the server held back offline work it no longer had the right to make.
QString heldWork(node::Node& n, const sync::Id& self) {
  auto open = node::Exceptions(n).list(false);
  if (!open) return {};
  for (const auto& row : *open) {
    if (row.kind != "quarantined") continue;
    auto x = node::Exceptions(n).show(row.number);
    if (!x || x->subjects.empty() || x->subjects.front() != self) continue;
    return App::tr("The server did not accept some of your offline work (%1): this device no longer had the right to "
                   "make it when it arrived, for example a case reassigned meanwhile. Your supervisor decides whether "
                   "it applies.")
        .arg(text(row.number));
  }
  return {};
}

}  // namespace

App::App(QString db_path, int sync_interval_ms, QObject* parent)
    : QObject(parent), db_path_(std::move(db_path)), sync_interval_ms_(sync_interval_ms), worker_ctx_(new QObject) {
  worker_.setObjectName(QStringLiteral("fieldsync-node"));
  worker_ctx_->moveToThread(&worker_);
  connect(&worker_, &QThread::finished, worker_ctx_, &QObject::deleteLater);
  worker_.start();
  if (!QFileInfo::exists(db_path_)) {
    ready_ = true;  // nothing to open: the enrollment screen
    return;
  }
  onWorker([this] {
    auto n = node::Node::open(utf8(db_path_));
    if (!n) {
      onGui([this, e = n.error()] {
        sync_error_ = text(e.message);
        ready_ = true;
        emit syncChanged();
        emit identityChanged();
      });
      return;
    }
    node_ = std::move(n).value();
    opened();
  });
}

App::~App() {
  stopSync();
  worker_.quit();
  worker_.wait();
  node_.reset();  // the worker has stopped: nothing else touches it
}

void App::onWorker(std::function<void()> fn) { QMetaObject::invokeMethod(worker_ctx_, std::move(fn), Qt::QueuedConnection); }
void App::onGui(std::function<void()> fn) { QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection); }

void App::opened() {
  auto role = node_->setting("sync.role");
  const bool enrolled = role && !role->empty();
  onGui([this, enrolled] {
    ready_ = true;
    emit identityChanged();
    refresh();
    if (enrolled) startSync();
  });
}

int App::enroll(const QString& ticket) {
  const int id = ++tickets_;
  ++busy_;
  emit busyChanged();
  QString joined = ticket;
  joined.remove(QRegularExpression(QStringLiteral("\\s")));  // pasted across lines, it is still one string
  onWorker([this, id, t = utf8(joined)] {
    auto e = node::enroll(utf8(db_path_), t);
    if (e && !node_) {
      auto n = node::Node::open(utf8(db_path_));
      if (!n) e = n.error();
      else node_ = std::move(n).value();
    }
    // The server's key, for the office to compare with the one it printed when it started.
    const QString message = e ? tr("Enrolled as %1 of %2 with the server at %3, key %4\u2026")
                                    .arg(text(e->role), text(e->branch), text(e->server), text(e->server_key.substr(0, 16)))
                              : QString();
    onGui([this, id, message, err = e ? std::optional<sync::Error>() : e.error()] {
      --busy_;
      emit busyChanged();
      if (err) emit failed(id, text(err->message), false);
      else emit done(id, message);
    });
    if (e) opened();
  });
  return id;
}

void App::startSync() {
  {
    std::lock_guard lock(loop_mutex_);
    if (sync_thread_.joinable() || stop_sync_) return;
    sync_ended_ = false;
  }
  sync_thread_ = std::thread([this] {
    struct Ended {  // however the thread ends, syncNow() may then join it and start anew
      App* app;
      ~Ended() {
        std::lock_guard lock(app->loop_mutex_);
        app->sync_ended_ = true;
      }
    } ended{this};
    auto opened = node::Node::open(utf8(db_path_));
    if (!opened) {
      onGui([this, m = text(opened.error().message)] { sync_error_ = m; emit syncChanged(); });
      return;
    }
    node::Node& n = **opened;
    const auto role = n.setting("sync.role");
    const bool lists_devices = role && (*role == "supervisor" || *role == "admin");
    node::SyncLoop::Events events;
    events.connected = [this] {
      onGui([this] { online_ = true; syncing_ = true; sync_error_.clear(); emit syncChanged(); });
    };
    events.synced = [this](const node::SyncReport& r) {
      const int pushed = static_cast<int>(r.pushed), pulled = static_cast<int>(r.pulled + r.attachments_received);
      const bool dropped = r.dropped > 0;
      onGui([this, pushed, pulled, dropped] {
        online_ = true;
        syncing_ = false;
        sync_error_.clear();
        last_sync_ = localTime(QDateTime::currentMSecsSinceEpoch());
        emit syncChanged();
        emit synced(pushed, pulled);
        if (pushed || pulled || dropped) refresh();
      });
    };
    events.failed = [this](const sync::Error& e, std::chrono::milliseconds retry) {
      const QString m = text(e.message), in = QString::number(retry.count() / 1000);
      onGui([this, m, in] {
        online_ = false;
        syncing_ = false;
        sync_error_ = tr("Offline: %1. Trying again in %2 s; your work is kept.").arg(m, in);
        emit syncChanged();
      });
    };
    if (lists_devices)
      events.after_round = [this](node::SyncSession& s) -> sync::Status {
        auto list = s.devices();
        if (!list) return {};  // not allowed any more: the list stays as it was
        Rows rows;
        for (const auto& d : *list)
          rows.push_back({text(d.node.hex().substr(0, 8)), text(d.branch), text(d.role), text(d.person),
                          d.last_contact ? localTime(d.last_contact) : QString(),
                          QVariant::fromValue(d.clock_offset_ms), d.revoked_at.has_value()});
        onGui([this, rows = std::move(rows)]() mutable { devices_.setRows(std::move(rows)); });
        return {};
      };
    node::SyncLoop loop(n, utf8(db_path_), std::move(events), std::chrono::milliseconds(sync_interval_ms_));
    {
      std::lock_guard lock(loop_mutex_);
      if (stop_sync_) return;
      loop_ = &loop;
    }
    auto end = loop.run();
    {
      std::lock_guard lock(loop_mutex_);
      loop_ = nullptr;
    }
    if (!end)
      onGui([this, m = text(end.error().message)] {
        online_ = false;
        syncing_ = false;
        sync_error_ = tr("Sync stopped: %1").arg(m);
        emit syncChanged();
      });
  });
}

void App::stopSync() {
  {
    std::lock_guard lock(loop_mutex_);
    stop_sync_ = true;
    if (loop_) loop_->stop();
  }
  if (sync_thread_.joinable()) sync_thread_.join();
}

void App::syncNow() {
  bool ended = false;
  {
    std::lock_guard lock(loop_mutex_);
    if (loop_) loop_->wake();
    else ended = sync_ended_ && sync_thread_.joinable();  // else starting: its first round comes at once
  }
  if (ended) {  // stopped for good (refused): try once more on request
    sync_thread_.join();
    startSync();
  } else if (enrolled() && !sync_thread_.joinable()) {
    startSync();
  }
  if (!enrolled()) return;
  syncing_ = true;
  emit syncChanged();
}

void App::refresh() {
  if (loading_) {
    load_again_ = true;
    return;
  }
  loading_ = true;
  onWorker([this, c = open_case_, s = open_shipment_, x = open_exception_] {
    if (!node_) {
      onGui([this] { loading_ = false; });
      return;
    }
    Loaded l;
    auto fail = [&](const sync::Error& e) { if (!l.error) l.error = e; };
    auto status = node_->status();
    if (!status) fail(status.error());
    else {
      l.role = text(status->role);
      l.person = text(status->person);
      l.branch = text(status->branch);
      l.company = text(status->company);
      l.pending = static_cast<int>(status->pending_ops);
      if (status->last_sync) l.last_sync = localTime(*status->last_sync);
    }
    auto take = [&](sync::Result<Rows> r, Rows& into) {
      if (r) into = std::move(r).value();
      else fail(r.error());
    };
    take(CasesModel::load(*node_), l.cases);
    take(BalancesModel::load(*node_), l.balances);
    take(LowStockModel::load(*node_), l.low);
    take(ShipmentsModel::load(*node_), l.shipments);
    take(ExceptionsModel::load(*node_), l.exceptions);
    node::Catalogue catalogue(*node_);
    if (auto items = catalogue.items()) {
      l.items = ItemsModel::of(*items);
      for (const auto& i : *items) l.catalog.items.insert(text(i.code), i.serial_tracked);
    } else {
      fail(items.error());
    }
    if (auto locations = catalogue.locations())
      for (const auto& loc : *locations) {
        if (!node::holdsStock(loc.kind)) continue;
        l.catalog.locations.insert(text(loc.code), text(node::name(loc.kind)));
        if (loc.kind != node::LocationKind::transit) l.locations << text(loc.code);
        if (loc.kind == node::LocationKind::van && !loc.technician.empty() && status &&
            node::sameName(loc.technician, status->person))
          l.van = text(loc.code);
      }
    if (auto units = catalogue.units())
      for (const auto& u : *units) l.catalog.serials.insert(text(u.serial), text(u.item));
    // Not found: it left this device (docs/scopes.md), or was never here.
    if (!c.isEmpty()) l.case_gone = !loadCase(*node_, c, l.case_, l.case_history);
    if (!s.isEmpty()) l.shipment_gone = !loadShipment(*node_, s, l.shipment_, l.shipment_lines, l.shipment_tracking);
    if (!x.isEmpty()) l.exception_gone = !loadException(*node_, x, l.exception_);
    if (status) l.held = heldWork(*node_, status->node);
    onGui([this, l = std::move(l)]() mutable { apply(std::move(l)); });
  });
}

void App::apply(Loaded l) {
  loading_ = false;
  const bool identity = l.role != role_ || l.person != person_ || l.branch != branch_ || l.company != company_ ||
                        l.van != van_;
  role_ = l.role;
  person_ = l.person;
  branch_ = l.branch;
  company_ = l.company;
  van_ = l.van;
  pending_ = l.pending;
  if (!l.last_sync.isEmpty()) last_sync_ = l.last_sync;
  if (l.error) sync_error_ = text(l.error->message);
  held_ = l.held;
  cases_.setRows(std::move(l.cases));
  balances_.setRows(std::move(l.balances));
  low_.setRows(std::move(l.low));
  shipments_list_.setRows(std::move(l.shipments));
  exceptions_list_.setRows(std::move(l.exceptions));
  items_.setRows(std::move(l.items));
  catalog_ = std::move(l.catalog);
  locations_ = std::move(l.locations);
  if (l.case_gone && !open_case_.isEmpty())
    emit gone(tr("Case %1 is no longer on this device: it was reassigned or closed elsewhere.").arg(open_case_));
  else if (l.shipment_gone && !open_shipment_.isEmpty())
    emit gone(tr("Shipment %1 is no longer on this device: it was given to another driver.").arg(open_shipment_));
  else if (l.exception_gone && !open_exception_.isEmpty())
    emit gone(tr("Exception %1 is no longer on this device.").arg(open_exception_));
  // Notified only when it changed: a screen rebuilds its buttons on notice, and a
  // button rebuilt under a finger loses the tap.
  const auto update = [this](QVariantMap& shown, QVariantMap&& loaded, void (App::*changed)()) {
    if (shown == loaded) return;
    shown = std::move(loaded);
    emit(this->*changed)();
  };
  if (!open_case_.isEmpty()) {
    update(case_, std::move(l.case_), &App::caseChanged);
    case_history_.setRows(std::move(l.case_history));
  }
  if (!open_shipment_.isEmpty()) {
    update(shipment_, std::move(l.shipment_), &App::shipmentChanged);
    shipment_lines_.setRows(std::move(l.shipment_lines));
    shipment_tracking_.setRows(std::move(l.shipment_tracking));
  }
  if (!open_exception_.isEmpty()) update(exception_, std::move(l.exception_), &App::exceptionChanged);
  ++refreshes_;
  if (identity) emit identityChanged();
  emit syncChanged();
  emit refreshed();
  if (load_again_) {
    load_again_ = false;
    refresh();
  }
}

int App::run(Command command, After after) {
  const int id = ++tickets_;
  ++busy_;
  emit busyChanged();
  onWorker([this, id, command = std::move(command), after = std::move(after)] {
    sync::Result<QString> r = node_ ? command(*node_) : sync::fail(sync::Errc::refused, "this device is not enrolled yet");
    onGui([this, id, r = std::move(r), after] {
      --busy_;
      emit busyChanged();
      const bool ok = r.ok();
      const QString message = ok ? *r : forApp(r.error().message);
      const bool can_force = !ok && r.error().message.find("--force") != std::string::npos;
      if (after) after(ok, message, can_force);
      if (ok) {
        emit done(id, message);
        refresh();
        syncNow();  // sends it now when online
      } else {
        emit failed(id, message, can_force);
      }
    });
  });
  return id;
}

void App::openCase(const QString& number) {
  open_case_ = number;
  case_.clear();
  case_history_.setRows({});
  emit caseChanged();
  refresh();
}

void App::openShipment(const QString& number) {
  open_shipment_ = number;
  shipment_.clear();
  shipment_lines_.setRows({});
  shipment_tracking_.setRows({});
  emit shipmentChanged();
  refresh();
}

void App::openException(const QString& number) {
  open_exception_ = number;
  exception_.clear();
  emit exceptionChanged();
  refresh();
}

int App::setCaseStatus(const QString& number, const QString& status, bool force) {
  return run([=](node::Node& n) -> sync::Result<QString> {
    auto to = node::parseName<node::CaseStatus>(utf8(status), "status");
    if (!to) return to.error();
    auto t = node::Cases(n).setStatus(utf8(number), *to, std::nullopt, force);
    if (!t) return t.error();
    return tr("Case %1 is %2").arg(text(t->case_number), text(node::name(t->to)));
  });
}

int App::logWork(const QString& number, const QString& activity) {
  return run([=](node::Node& n) -> sync::Result<QString> {
    auto note = node::Cases(n).log(utf8(number), utf8(activity), std::nullopt);
    if (!note) return note.error();
    return tr("Work logged on %1").arg(text(note->case_number));
  });
}

int App::usePart(const QString& number, const QString& item, const QString& serial, const QString& amount,
                 bool force) {
  return run([=, van = van_](node::Node& n) -> sync::Result<QString> {
    node::MoveSpec spec;
    spec.kind = node::MoveKind::consumption;
    spec.item = utf8(item);
    spec.from = utf8(van);
    spec.force = force;
    if (spec.from.empty()) return sync::fail(sync::Errc::refused, utf8(tr("No van is assigned to you: the office assigns one")));
    if (!serial.trimmed().isEmpty()) spec.serials = {utf8(serial)};
    else {
      auto q = typedQty(amount.trimmed().isEmpty() ? QStringLiteral("1") : amount, "quantity");
      if (!q) return q.error();
      spec.qty = *q;
    }
    auto used = node::Cases(n).usePart(utf8(number), spec);
    if (!used) return used.error();
    return tr("Part %1 used on %2").arg(text(spec.item), number);
  });
}

int App::signOff(const QString& number, const QString& signer, const QByteArray& png) {
  return run([=](node::Node& n) -> sync::Result<QString> {
    auto note = node::Cases(n).signOff(utf8(number), utf8(signer), std::nullopt, bytesOf(png));
    if (!note) return note.error();
    return tr("%1 signed off %2").arg(text(note->text), text(note->case_number));
  });
}

int App::registerUnit(const QString& item, const QString& serial, const QString& customer, const QString& site) {
  return run([=](node::Node& n) -> sync::Result<QString> {
    node::UnitSpec spec;
    spec.item = utf8(item);
    spec.serial = utf8(serial);
    spec.customer = utf8(customer);
    spec.site = utf8(site);
    auto u = node::Catalogue(n).registerUnit(spec);
    if (!u) return u.error();
    return tr("Unit %1 %2 registered").arg(text(u->item), text(u->serial));
  });
}

int App::track(const QString& number, const QString& status, const QString& recipient, const QString& reason,
               const QByteArray& png, const QStringList& refused, const QVariantMap& refusedQty, bool force) {
  return run([=](node::Node& n) -> sync::Result<QString> {
    node::TrackSpec spec;
    auto to = node::parseName<node::ShipmentStatus>(utf8(status), "status");
    if (!to) return to.error();
    spec.status = *to;
    spec.recipient = utf8(recipient);
    spec.reason = utf8(reason);
    spec.image = bytesOf(png);
    spec.force = force;
    for (const QString& serial : refused) spec.refused.push_back(utf8(serial));
    for (auto it = refusedQty.begin(); it != refusedQty.end(); ++it) {
      if (it.value().toString().trimmed().isEmpty()) continue;
      auto q = typedQty(it.value().toString(), "refused quantity");
      if (!q) return q.error();
      if (*q) spec.refused_qty.push_back({utf8(it.key()), *q});
    }
    auto t = node::Shipments(n).track(utf8(number), spec);
    if (!t) return t.error();
    return tr("Shipment %1 is %2").arg(text(t->shipment), text(node::name(t->to)));
  });
}

int App::resolveException(const QString& number, const QString& note, const QString& adjust,
                          const QString& transferFrom) {
  return run([=](node::Node& n) -> sync::Result<QString> {
    node::Resolution how;
    how.note = utf8(note);
    if (!adjust.trimmed().isEmpty()) {
      auto q = typedQty(adjust, "adjustment");
      if (!q) return q.error();
      how.adjust = *q;
    }
    how.transfer_from = utf8(transferFrom.trimmed());
    auto r = node::Exceptions(n).resolve(utf8(number), how);
    if (!r) return r.error();
    return r->movement.empty() ? tr("%1 resolved").arg(text(r->number))
                               : tr("%1 resolved with %2").arg(text(r->number), text(r->movement));
  });
}

}  // namespace fieldsync::mobile
