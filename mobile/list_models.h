// The lists the app shows, one QAbstractListModel each (conventions.md §20).
//
// A model holds rows of plain values, one QVariant per role, that App
// reads from the Node on its worker thread (each model's static load());
// setRows() replaces them on the GUI thread: the rows that changed, or all
// of them in one reset when their number changed. QML only
// presents: delegates bind `required property` names from roleNames().
// Times are ms since the epoch, UTC, beside their text in local time;
// quantities are milli-units beside their text.
#pragma once

#include <QAbstractListModel>
#include <QByteArray>
#include <QHash>
#include <QVariant>
#include <QtQml/qqmlregistration.h>
#include <vector>

#include "node/catalogue.h"
#include "node/node.h"

namespace fieldsync::mobile {

using Row = std::vector<QVariant>;  // one value per role, in role order
using Rows = std::vector<Row>;

// The shared part: rows, count, data() by role number.
class RowModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)
 public:
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;
  int count() const { return static_cast<int>(rows_.size()); }
  void setRows(Rows rows);  // dataChanged for changed rows; a reset when the count changes
  Q_INVOKABLE QVariant get(int row, const QString& role) const;  // for actions on a row

 signals:
  void countChanged();

 protected:
  explicit RowModel(std::vector<QByteArray> names, QObject* parent);

 private:
  std::vector<QByteArray> names_;
  Rows rows_;
};

// Text for people.
QString localTime(std::int64_t ms);  // "2026-11-21 09:30" in the device's time zone
QString qty(std::int64_t milli);
QString text(std::string_view s);
// A quantity typed by a person, in milli-units (node::parseQty): digits of
// any script ("٣" is 3), the locale's decimal separator or a point ("2,5"
// and "2.5" are 2500), a sign only in front. Errors name `what`.
sync::Result<std::int64_t> typedQty(const QString& typed, std::string_view what);

// Service cases by status (in the machine's order), then number.
class CasesModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { Number = Qt::UserRole + 1, Customer, Site, Unit, Status, Priority, Problem, ReopenCount };
  explicit CasesModel(QObject* parent = nullptr);
  static sync::Result<Rows> load(node::Node& n);
};

// One case's or one unit's history, oldest first.
class HistoryModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { At = Qt::UserRole + 1, When, Event, Detail };
  explicit HistoryModel(QObject* parent = nullptr);
  static Rows of(const std::vector<node::HistoryEntry>& history);
};

// Stock on hand by item, then location.
class BalancesModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { Item = Qt::UserRole + 1, Location, Qty, QtyMilli, CountedAt };
  explicit BalancesModel(QObject* parent = nullptr);
  static sync::Result<Rows> load(node::Node& n);
};

// Balances below their threshold.
class LowStockModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { Item = Qt::UserRole + 1, Location, Qty, Threshold };
  explicit LowStockModel(QObject* parent = nullptr);
  static sync::Result<Rows> load(node::Node& n);
};

// Shipments in stop order: the open ones by number (the order the office
// planned them), then those that ended.
class ShipmentsModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { Number = Qt::UserRole + 1, Customer, Site, Status, Attempts, Lines, Open };
  explicit ShipmentsModel(QObject* parent = nullptr);
  static sync::Result<Rows> load(node::Node& n);
};

// One shipment's lines, or its tracking.
class LinesModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { Item = Qt::UserRole + 1, Serial, Qty, State };
  explicit LinesModel(QObject* parent = nullptr);
};

// Open exceptions by kind, then subjects.
class ExceptionsModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { Number = Qt::UserRole + 1, Kind, Subjects, Raised, Status };
  explicit ExceptionsModel(QObject* parent = nullptr);
  static sync::Result<Rows> load(node::Node& n);
};

// The devices of a supervisor's branch, as the server knows them.
class DevicesModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { Device = Qt::UserRole + 1, Branch, DeviceRole, Person, LastContact, ClockOffset, Revoked };
  explicit DevicesModel(QObject* parent = nullptr);
};

// Items (for choosing one) with their tracking.
class ItemsModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("App owns it")
 public:
  enum Role { Code = Qt::UserRole + 1, Name, SerialTracked, Label };
  explicit ItemsModel(QObject* parent = nullptr);
  static Rows of(const std::vector<node::ItemView>& items);  // App reads the items once for this and the scan flow
};

}  // namespace fieldsync::mobile
