// App: what the QML screens of fieldsync-mobile talk to.
//
// Threads. The GUI thread owns App, its models and its properties. A worker
// QThread owns the Node the commands and lists use; every command and every
// list load runs there, in the order asked, and its result comes back to
// the GUI thread by a queued call, so the GUI never waits on SQLite. A sync
// thread owns a second Node on the same file and a node::SyncLoop: it stays
// connected while the server is reachable, pushes and pulls each round,
// and backs off while it is not; a round that pulled something refreshes
// the lists and the open case, shipment or exception. Both Nodes share the
// database through SQLite's WAL locking (node/node.h).
//
// Each command returns a ticket (1, 2, ...) and later reports done(ticket,
// message) or failed(ticket, message, canForce): the node's own error text;
// canForce when it was refused by a local rule the field may overrule (a
// stale view: docs/data-model.md), so the screen that asked can offer to
// record it anyway, marked forced.
//
// What leaves the device's scope (a case reassigned: docs/scopes.md) leaves
// its lists at the next round; an open screen of it is told by gone().
// Offline work the server holds back (quarantined: docs/scopes.md) is said
// in `held`.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "mobile/list_models.h"
#include "node/node.h"

namespace fieldsync::node { class SyncLoop; }

namespace fieldsync::mobile {

// What the scan flow needs to tell a scanned text's meaning, refreshed with the lists.
struct Catalog {
  QHash<QString, bool> items;         // code: serial-tracked
  QHash<QString, QString> locations;  // code: kind (only those that hold stock)
  QHash<QString, QString> serials;    // a unit's serial: its item
};

class App : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("main() makes it")
  Q_PROPERTY(bool ready READ ready NOTIFY identityChanged)        // the node is open (or there is none yet)
  Q_PROPERTY(bool enrolled READ enrolled NOTIFY identityChanged)
  Q_PROPERTY(QString role MEMBER role_ NOTIFY identityChanged)
  Q_PROPERTY(QString person MEMBER person_ NOTIFY identityChanged)
  Q_PROPERTY(QString branch MEMBER branch_ NOTIFY identityChanged)
  Q_PROPERTY(QString company MEMBER company_ NOTIFY identityChanged)
  Q_PROPERTY(QString van MEMBER van_ NOTIFY identityChanged)      // a technician's van
  Q_PROPERTY(bool online MEMBER online_ NOTIFY syncChanged)
  Q_PROPERTY(bool syncing MEMBER syncing_ NOTIFY syncChanged)
  Q_PROPERTY(int pending MEMBER pending_ NOTIFY syncChanged)      // own ops the server has not acknowledged
  Q_PROPERTY(QString lastSync MEMBER last_sync_ NOTIFY syncChanged)  // local time; empty: never
  Q_PROPERTY(QString syncError MEMBER sync_error_ NOTIFY syncChanged)
  // Own offline work the server holds back, in words; empty: none.
  Q_PROPERTY(QString held MEMBER held_ NOTIFY syncChanged)
  Q_PROPERTY(int busy MEMBER busy_ NOTIFY busyChanged)            // commands running
  Q_PROPERTY(int refreshes MEMBER refreshes_ NOTIFY refreshed)    // lists loaded so far
  // Codes of the locations stock may be moved from or to (holding stock, not transit).
  Q_PROPERTY(QStringList locations MEMBER locations_ NOTIFY refreshed)
  Q_PROPERTY(CasesModel* cases READ cases CONSTANT)
  Q_PROPERTY(BalancesModel* balances READ balances CONSTANT)
  Q_PROPERTY(LowStockModel* lowStock READ lowStock CONSTANT)
  Q_PROPERTY(ShipmentsModel* shipments READ shipments CONSTANT)
  Q_PROPERTY(ExceptionsModel* exceptions READ exceptions CONSTANT)
  Q_PROPERTY(DevicesModel* devices READ devices CONSTANT)
  Q_PROPERTY(ItemsModel* items READ items CONSTANT)
  Q_PROPERTY(QVariantMap caseDetail MEMBER case_ NOTIFY caseChanged)
  Q_PROPERTY(HistoryModel* caseHistory READ caseHistory CONSTANT)
  Q_PROPERTY(QVariantMap shipmentDetail MEMBER shipment_ NOTIFY shipmentChanged)
  Q_PROPERTY(LinesModel* shipmentLines READ shipmentLines CONSTANT)
  Q_PROPERTY(HistoryModel* shipmentTracking READ shipmentTracking CONSTANT)
  Q_PROPERTY(QVariantMap exceptionDetail MEMBER exception_ NOTIFY exceptionChanged)

 public:
  // Opens `db_path` if it exists (else waits for enroll()) and, once
  // enrolled, starts syncing. `sync_interval`: the longest time between rounds while connected (a change on either side syncs at once).
  explicit App(QString db_path, int sync_interval_ms = 300000, QObject* parent = nullptr);
  ~App() override;  // stops syncing and the worker; a command under way finishes first

  Q_INVOKABLE int enroll(const QString& ticket);
  Q_INVOKABLE void syncNow();
  Q_INVOKABLE void refresh();

  // Technician (node/cases.h, node/catalogue.h).
  Q_INVOKABLE void openCase(const QString& number);
  Q_INVOKABLE int setCaseStatus(const QString& number, const QString& status, bool force);
  Q_INVOKABLE int logWork(const QString& number, const QString& text);
  // A part from the technician's van: a serial, or a quantity of an item not tracked by serial.
  Q_INVOKABLE int usePart(const QString& number, const QString& item, const QString& serial, const QString& qty,
                          bool force);
  Q_INVOKABLE int signOff(const QString& number, const QString& signer, const QByteArray& png);
  Q_INVOKABLE int registerUnit(const QString& item, const QString& serial, const QString& customer,
                               const QString& site);
  // Driver (node/shipments.h): a status by its name; a delivery's
  // recipient and signature, a failed attempt's reason. A delivery less
  // what the customer refused (docs/data-model.md, "Partial delivery"):
  // serials, and quantities by item code as typed (typedQty), with a reason.
  Q_INVOKABLE void openShipment(const QString& number);
  Q_INVOKABLE int track(const QString& number, const QString& status, const QString& recipient,
                        const QString& reason, const QByteArray& png, const QStringList& refused,
                        const QVariantMap& refusedQty, bool force);
  // Supervisor (node/exceptions.h): a note, and optionally a signed
  // quantity to adjust by or a location to transfer the shortfall from.
  Q_INVOKABLE void openException(const QString& number);
  Q_INVOKABLE int resolveException(const QString& number, const QString& note, const QString& adjust,
                                   const QString& transferFrom);

  // Runs `command` on the worker; `after` (optional) then runs on the GUI
  // thread with the outcome, before done()/failed(). Returns its ticket.
  using Command = std::function<sync::Result<QString>(node::Node&)>;
  using After = std::function<void(bool ok, const QString& message, bool can_force)>;
  int run(Command command, After after = {});
  const Catalog& catalog() const { return catalog_; }

  bool ready() const { return ready_; }
  bool enrolled() const { return !role_.isEmpty(); }
  CasesModel* cases() { return &cases_; }
  BalancesModel* balances() { return &balances_; }
  LowStockModel* lowStock() { return &low_; }
  ShipmentsModel* shipments() { return &shipments_list_; }
  ExceptionsModel* exceptions() { return &exceptions_list_; }
  DevicesModel* devices() { return &devices_; }
  ItemsModel* items() { return &items_; }
  HistoryModel* caseHistory() { return &case_history_; }
  LinesModel* shipmentLines() { return &shipment_lines_; }
  HistoryModel* shipmentTracking() { return &shipment_tracking_; }

 signals:
  void identityChanged();
  void syncChanged();
  void busyChanged();
  void refreshed();
  void caseChanged();
  void shipmentChanged();
  void exceptionChanged();
  void done(int ticket, const QString& message);
  void failed(int ticket, const QString& message, bool canForce);
  void gone(const QString& message);  // the open case, shipment or exception left this device
  void synced(int pushed, int pulled);  // after each round that worked

 private:
  struct Loaded;
  void onWorker(std::function<void()> fn);  // runs on the worker thread, in order
  void onGui(std::function<void()> fn);     // runs on the GUI thread
  void opened();                            // on the worker, once node_ is open
  void startSync();
  void stopSync();
  void apply(Loaded loaded);

  QString db_path_;
  int sync_interval_ms_;
  QThread worker_;
  QObject* worker_ctx_;            // lives on worker_; owned by it
  std::unique_ptr<node::Node> node_;  // used only on worker_

  std::thread sync_thread_;
  std::mutex loop_mutex_;
  node::SyncLoop* loop_ = nullptr;  // guarded by loop_mutex_; lives on sync_thread_
  bool stop_sync_ = false;          // guarded by loop_mutex_
  bool sync_ended_ = false;         // guarded by loop_mutex_: sync_thread_ has returned (or is returning)

  // GUI thread only.
  bool ready_ = false, online_ = false, syncing_ = false;
  QString role_, person_, branch_, company_, van_, last_sync_, sync_error_, held_;
  int pending_ = 0, busy_ = 0, refreshes_ = 0, tickets_ = 0;
  bool loading_ = false, load_again_ = false;
  QString open_case_, open_shipment_, open_exception_;
  QStringList locations_;
  Catalog catalog_;
  CasesModel cases_;
  BalancesModel balances_;
  LowStockModel low_;
  ShipmentsModel shipments_list_;
  ExceptionsModel exceptions_list_;
  DevicesModel devices_;
  ItemsModel items_;
  QVariantMap case_, shipment_, exception_;
  HistoryModel case_history_;
  LinesModel shipment_lines_;
  HistoryModel shipment_tracking_;
};

}  // namespace fieldsync::mobile
