// ScanFlow: the warehouse's one scan field (a keyboard-wedge scanner types
// a code and Enter), as a state machine over App's catalog:
//
//   location -> [target: transfer] -> [document: arrival] -> items -> confirm
//
// Modes: "receipt" (goods receipt into the location, from SUPPLIER),
// "issue" (exit slip out of it), "transfer" (from the location to the
// target), "arrival" (a transfer left in transit arrives at the location:
// scan its document number, then what arrived, or nothing for all of it)
// and "count" (what was found there). In the items step a scanned item
// code selects that item (and adds 1 of an item not tracked by serial), a
// known serial adds itself to its item's line, an unknown text is a new
// serial of the selected serial-tracked item (receipts register them; a
// number is a serial too: many are all digits), and a number (mobile::
// typedQty: "2,5", "٣") sets the quantity of the selected untracked item.
// confirm() posts one document per line (node/stock.h) in line order; a
// line the node refuses stays, with the node's reason as its `error` and
// `canForce` when the node would record it forced: force(row) does.
// GUI thread only.
#pragma once

#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>
#include <vector>

#include "mobile/app.h"

namespace fieldsync::mobile {

class ScanLinesModel : public RowModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("ScanFlow owns it")
 public:
  enum Role { Item = Qt::UserRole + 1, Qty, Serials, Error, CanForce };
  explicit ScanLinesModel(QObject* parent = nullptr);
};

class ScanFlow : public QObject {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(App* app MEMBER app_ NOTIFY changed)
  Q_PROPERTY(QString mode READ mode WRITE setMode NOTIFY changed)
  Q_PROPERTY(QString step MEMBER step_ NOTIFY changed)
  Q_PROPERTY(QString location MEMBER location_ NOTIFY changed)
  Q_PROPERTY(QString target MEMBER target_ NOTIFY changed)
  Q_PROPERTY(QString document MEMBER document_ NOTIFY changed)
  Q_PROPERTY(QString item MEMBER item_ NOTIFY changed)  // the selected item
  Q_PROPERTY(QString prompt READ prompt NOTIFY changed)
  Q_PROPERTY(QString error MEMBER error_ NOTIFY changed)  // the last scan's, or how many lines were refused
  Q_PROPERTY(QString message MEMBER message_ NOTIFY changed)
  Q_PROPERTY(bool canConfirm READ canConfirm NOTIFY changed)
  Q_PROPERTY(ScanLinesModel* lines READ lines CONSTANT)

 public:
  explicit ScanFlow(QObject* parent = nullptr);
  QString mode() const { return mode_; }
  void setMode(const QString& mode);  // also starts over
  QString prompt() const;
  bool canConfirm() const;
  ScanLinesModel* lines() { return &lines_model_; }

  Q_INVOKABLE void scan(const QString& text);
  Q_INVOKABLE void confirm();
  Q_INVOKABLE void force(int row);  // posts a refused line again, marked forced
  Q_INVOKABLE void reset();  // back to scanning the location
  Q_INVOKABLE void removeLine(int row);

 signals:
  void changed();
  void posted(const QString& message);

 private:
  struct Line {
    QString item;
    bool tracked = false;
    std::int64_t qty = 0;  // milli-units, untracked items
    QStringList serials;
    QString error;  // the node's refusal
    bool can_force = false;
  };
  Line& lineOf(const QString& item, bool tracked);
  void scanItems(const QString& raw, const QString& code);
  void publish();
  void post(const Line& line, bool force);
  void finished(const QString& item, bool ok, const QString& message, bool can_force);
  App::Command commandFor(const Line& line, bool force) const;

  App* app_ = nullptr;
  QString mode_ = QStringLiteral("receipt"), step_ = QStringLiteral("location");
  QString location_, target_, document_, item_, error_, message_;
  int in_flight_ = 0;
  std::vector<Line> lines_;
  ScanLinesModel lines_model_;
};

}  // namespace fieldsync::mobile
