#include "mobile/list_models.h"

#include <QDateTime>
#include <QLocale>
#include <algorithm>

#include "node/cases.h"
#include "node/catalogue.h"
#include "node/exceptions.h"
#include "node/shipments.h"
#include "node/stock.h"

namespace fieldsync::mobile {

RowModel::RowModel(std::vector<QByteArray> names, QObject* parent)
    : QAbstractListModel(parent), names_(std::move(names)) {}

int RowModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant RowModel::data(const QModelIndex& index, int role) const {
  const auto column = static_cast<std::size_t>(role - Qt::UserRole - 1);
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || column >= names_.size())
    return {};
  return rows_[static_cast<std::size_t>(index.row())][column];
}

QHash<int, QByteArray> RowModel::roleNames() const {
  QHash<int, QByteArray> names;
  for (std::size_t i = 0; i < names_.size(); ++i) names.insert(Qt::UserRole + 1 + static_cast<int>(i), names_[i]);
  return names;
}

QVariant RowModel::get(int row, const QString& role) const {
  const auto it = std::find(names_.begin(), names_.end(), role.toUtf8());
  if (row < 0 || row >= count() || it == names_.end()) return {};
  return rows_[static_cast<std::size_t>(row)][static_cast<std::size_t>(it - names_.begin())];
}

void RowModel::setRows(Rows rows) {
  for (auto& r : rows) r.resize(names_.size());
  if (rows.size() == rows_.size()) {  // a refresh mostly changes nothing: only changed rows are redrawn
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] == rows_[i]) continue;
      rows_[i] = std::move(rows[i]);
      const QModelIndex at = index(static_cast<int>(i));
      emit dataChanged(at, at);
    }
    return;
  }
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
  emit countChanged();
}

QString localTime(std::int64_t ms) {
  return QDateTime::fromMSecsSinceEpoch(ms).toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}
QString qty(std::int64_t milli) { return text(node::formatQty(milli)); }
QString text(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

sync::Result<std::int64_t> typedQty(const QString& typed, std::string_view what) {
  const QString point = QLocale().decimalPoint();
  QString ascii;
  for (const QChar ch : typed.trimmed()) {
    if (const int d = ch.digitValue(); d >= 0) ascii += QChar(u'0' + d);
    else if (ch == u',' || QString(ch) == point) ascii += u'.';
    else if (ch == u'\u2212') ascii += u'-';  // the minus sign
    else ascii += ch;
  }
  return node::parseQty(ascii.toStdString(), what);
}

CasesModel::CasesModel(QObject* parent)
    : RowModel({"number", "customer", "site", "unit", "status", "priority", "problem", "reopenCount"}, parent) {}

sync::Result<Rows> CasesModel::load(node::Node& n) {
  auto cases = node::Cases(n).list();
  if (!cases) return cases.error();
  std::stable_sort(cases->begin(), cases->end(),
                   [](const node::CaseRow& a, const node::CaseRow& b) { return a.status < b.status; });
  Rows rows;
  for (const auto& c : *cases)
    rows.push_back({text(c.number), text(c.customer), text(c.site), text(c.unit), text(node::name(c.status)),
                    text(node::name(c.priority)), text(c.problem), static_cast<int>(c.reopen_count)});
  return rows;
}

HistoryModel::HistoryModel(QObject* parent) : RowModel({"at", "when", "event", "detail"}, parent) {}

Rows HistoryModel::of(const std::vector<node::HistoryEntry>& history) {
  Rows rows;
  for (const auto& e : history) {
    // In the user's words and time zone where the node's detail is English or UTC (a status: Labels.qml).
    QString detail = text(e.detail);
    if (e.event == "visit" && e.until) detail = HistoryModel::tr("%1 until %2").arg(text(e.person), localTime(*e.until));
    else if (e.event == "signoff") detail = HistoryModel::tr("signed by %1").arg(text(e.person));
    rows.push_back({QVariant::fromValue(e.at), localTime(e.at), text(e.event), detail});
  }
  return rows;
}

BalancesModel::BalancesModel(QObject* parent)
    : RowModel({"item", "location", "qty", "qtyMilli", "countedAt"}, parent) {}

sync::Result<Rows> BalancesModel::load(node::Node& n) {
  auto balances = node::Stock(n).balances();
  if (!balances) return balances.error();
  Rows rows;
  for (const auto& b : *balances)
    rows.push_back({text(b.item), text(b.location), qty(b.qty), QVariant::fromValue(b.qty),
                    b.counted_at ? localTime(*b.counted_at) : QString()});
  return rows;
}

LowStockModel::LowStockModel(QObject* parent) : RowModel({"item", "location", "qty", "threshold"}, parent) {}

sync::Result<Rows> LowStockModel::load(node::Node& n) {
  auto low = node::Stock(n).low();
  if (!low) return low.error();
  Rows rows;
  for (const auto& l : *low) rows.push_back({text(l.item), text(l.location), qty(l.qty), qty(l.low_stock)});
  return rows;
}

namespace {
bool ended(node::ShipmentStatus s) {
  using S = node::ShipmentStatus;
  return s == S::delivered || s == S::partially_delivered || s == S::returned || s == S::cancelled;
}
}  // namespace

ShipmentsModel::ShipmentsModel(QObject* parent)
    : RowModel({"number", "customer", "site", "status", "attempts", "lines", "open"}, parent) {}

sync::Result<Rows> ShipmentsModel::load(node::Node& n) {
  auto shipments = node::Shipments(n).list();
  if (!shipments) return shipments.error();
  std::stable_sort(shipments->begin(), shipments->end(), [](const node::ShipmentRow& a, const node::ShipmentRow& b) {
    return !ended(a.status) && ended(b.status);
  });
  Rows rows;
  for (const auto& s : *shipments)
    rows.push_back({text(s.number), text(s.customer), text(s.site), text(node::name(s.status)),
                    static_cast<int>(s.attempts), static_cast<int>(s.lines), !ended(s.status)});
  return rows;
}

LinesModel::LinesModel(QObject* parent)
    : RowModel({"item", "serial", "qty", "delivered", "refused", "returned"}, parent) {}

ExceptionsModel::ExceptionsModel(QObject* parent)
    : RowModel({"number", "kind", "subjects", "raised", "status"}, parent) {}

sync::Result<Rows> ExceptionsModel::load(node::Node& n) {
  auto list = node::Exceptions(n).list(false);
  if (!list) return list.error();
  Rows rows;
  for (const auto& x : *list)
    rows.push_back({text(x.number), text(x.kind), text(x.subjects), localTime(x.raised), text(x.status)});
  return rows;
}

DevicesModel::DevicesModel(QObject* parent)
    : RowModel({"device", "branch", "role", "person", "lastContact", "clockOffset", "revoked"}, parent) {}

ItemsModel::ItemsModel(QObject* parent) : RowModel({"code", "name", "serialTracked", "label"}, parent) {}

Rows ItemsModel::of(const std::vector<node::ItemView>& items) {
  Rows rows;
  for (const auto& i : items)
    rows.push_back({text(i.code), text(i.name), i.serial_tracked, text(i.code + " " + i.name)});
  return rows;
}

}  // namespace fieldsync::mobile
