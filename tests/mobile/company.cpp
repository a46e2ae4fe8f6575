#include "mobile/company.h"

#include <QFile>
#include <QImage>
#include <QPainter>
#include <QProcess>
#include <tuple>

#include "node/cases.h"
#include "node/catalogue.h"
#include "node/customers.h"
#include "node/exceptions.h"
#include "node/shipments.h"
#include "node/stock.h"
#include "node/sync_client.h"

namespace fieldsync::test {

using namespace fieldsync::node;

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

Company::Company(QObject* parent) : QObject(parent) {
  startServer();
  if (ok()) error_ = seed();
}

Company::~Company() { stopServer(); }

// A server is opened anew after a stop, on the same data and port, as a restarted process would be.
void Company::startServer() {
  if (server_) return;
  auto s = server::Server::open(dir_.file("server"), "ACME Service");
  if (!s) {
    error_ = q(s.error().message);
    return;
  }
  server_ = std::move(s).value();
  server::Server::Limits limits;
  limits.per_address_rate = 1e9;  // every device syncs from 127.0.0.1
  server_->setLimits(limits);
  server_->setLog([](const std::string&) {});
  auto p = server_->listen("127.0.0.1", port_);
  if (!p) {
    error_ = q(p.error().message);
    return;
  }
  port_ = *p;
  serving_ = std::thread([this] { (void)server_->serve(); });
}

void Company::stopServer() {
  if (!server_) return;
  server_->stop();
  serving_.join();
  server_.reset();
}

QString Company::dbPath(const QString& device) const { return q(dir_.file(device.toStdString() + ".db")); }

QString Company::ticket(const QString& role, const QString& person) {
  if (!server_) return {};
  auto t = server_->enrollToken("north", role.toStdString(), person.toStdString(), 3'600'000, "127.0.0.1", port_);
  return t ? q(*t) : QString();
}

mobile::App* Company::app(const QString& device, const QString& role, const QString& person) {
  if (!role.isEmpty()) {
    const auto path = dbPath(device).toStdString();
    if (!enroll(path, ticket(role, person).toStdString())) return nullptr;
    auto n = Node::open(path);
    if (!n) return nullptr;
    auto session = SyncSession::connect(**n, path);
    if (!session || !(*session)->round()) return nullptr;
    (*session)->close();
  }
  return new mobile::App(dbPath(device), 200, this);
}

void Company::close(mobile::App* app) { delete app; }

QString Company::cli(const QString& device, const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(FIELDSYNC_CLI), QStringList{"--json", "--db", dbPath(device)} + args);
  if (!p.waitForFinished(60'000)) return QStringLiteral("exit -1: did not finish");
  if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
    return QStringLiteral("exit %1: ").arg(p.exitCode()) + QString::fromUtf8(p.readAllStandardError());
  return QString::fromUtf8(p.readAllStandardOutput());
}

QString Company::enrollCli(const QString& device, const QString& role, const QString& person) {
  const QString enrolled = cli(device, {"enroll", ticket(role, person)});
  return enrolled.startsWith("exit ") ? enrolled : cli(device, {"sync"});  // receives its scope
}

QString Company::exportOf(const QString& device) {
  auto n = Node::open(dbPath(device).toStdString());
  if (!n) return q(n.error().message);
  auto e = (*n)->exportJson();
  return e ? q(*e) : q(e.error().message);
}

QString Company::syncOffice() {
  const auto path = dbPath("office").toStdString();
  auto n = Node::open(path);
  if (!n) return q(n.error().message);
  auto session = SyncSession::connect(**n, path);
  if (!session) return q(session.error().message);
  auto r = (*session)->round();
  (*session)->close();
  return r ? QString() : q(r.error().message);
}

QString Company::pngFile() {
  QImage image(300, 120, QImage::Format_RGB32);
  image.fill(Qt::white);
  {
    QPainter p(&image);
    p.setPen(QPen(Qt::black, 3));
    p.drawLine(20, 90, 120, 30);
    p.drawLine(120, 30, 260, 80);
  }
  const QString path = q(dir_.file("signature.png"));
  image.save(path, "PNG");
  return path;
}

// A branch's morning: catalogue, stock, a van, installed units, cases for
// alice, shipments for dan, transfers in transit and two exceptions.
QString Company::seed() {
  const auto path = dbPath("office").toStdString();
  if (auto e = enroll(path, ticket("admin").toStdString()); !e) return q(e.error().message);
  auto opened = Node::open(path);
  if (!opened) return q(opened.error().message);
  Node& n = **opened;
  Catalogue cat(n);
  Stock stock(n);
  Cases cases(n);
  Shipments ships(n);
  QString problem;
  auto check = [&](const auto& r) {
    if (!r && problem.isEmpty()) problem = q(r.error().message);
    return static_cast<bool>(r);
  };
  check(cat.addItem({"PUMP", "Circulation pump X1", true, 730, 0}));
  check(cat.addItem({"SEAL", "Seal kit", false, 0, 5'000}));
  check(cat.addItem({"FILTER", "Filter cartridge", false, 0, 10'000}));
  for (const char* wh : {"WH1", "WH2", "WH3", "WH8", "WH9"})
    check(cat.addLocation({wh, std::string("Warehouse ") + wh, LocationKind::warehouse, "", false, "north"}));
  check(cat.addLocation({"VAN-ALICE", "Alice's van", LocationKind::van, "alice", false, "north"}));
  auto move = [&](MoveKind kind, const char* item, const char* from, const char* to, std::int64_t qty,
                  std::vector<std::string> serials = {}, bool force = false) {
    MoveSpec m;
    m.kind = kind;
    m.item = item;
    m.from = from;
    m.to = to;
    if (serials.empty()) m.qty = qty;
    m.serials = std::move(serials);
    m.force = force;
    return stock.move(m);
  };
  std::vector<std::string> pumps;
  for (int i = 3; i <= 9; ++i) pumps.push_back("SN-" + std::to_string(i));
  check(move(MoveKind::receipt, "PUMP", "", "WH1", 0, pumps));
  check(move(MoveKind::receipt, "SEAL", "", "WH1", 40'000));
  check(move(MoveKind::receipt, "FILTER", "", "WH2", 4'000));
  check(move(MoveKind::receipt, "FILTER", "", "WH3", 4'000));
  check(move(MoveKind::transfer, "SEAL", "WH1", "VAN-ALICE", 6'000));
  Customers customers(n);
  for (const auto& [customer, site] : {std::pair{"Bakery Oy", "Main Street 1, Oulu"}, {"Cafe Ab", "Harbour 4, Oulu"},
                                       {"Mill Oy", "Industrial Road 9, Oulu"}, {"Mill Ab", "Industrial Road 9, Oulu"}}) {
    check(customers.add({customer, "", "", "", ""}));
    check(customers.addSite({customer, site, site}));
  }
  for (const auto& [serial, customer, site] :  // installed before fieldsync: registered on site
       {std::tuple{"SN-1", "Bakery Oy", "Main Street 1, Oulu"}, std::tuple{"SN-2", "Cafe Ab", "Harbour 4, Oulu"}}) {
    check(cat.registerUnit({"PUMP", serial, "", customer, site}));
    check(cat.installUnit({"PUMP", serial, customer, site}));
  }
  const auto day = n.now();
  auto open = [&](const char* key, const char* customer, const char* site, const char* serial, const char* what) {
    auto c = cases.open({customer, site, "PUMP", serial, what, Priority::high});
    if (!check(c)) return;
    seeded_[key] = q(c->number);
    check(cases.schedule(c->number, "alice", day - 3'600'000, day + 3'600'000));
  };
  open("case1", "Bakery Oy", "Main Street 1, Oulu", "SN-1", "Pump leaks at the shaft seal");
  open("case2", "Cafe Ab", "Harbour 4, Oulu", "SN-2", "Pump leaks at the shaft seal");
  auto ship = [&](const char* key, const char* customer, const char* serial) {
    auto s = ships.create(customer, "Industrial Road 9, Oulu", "WH1", "dan");
    if (!check(s)) return;
    seeded_[key] = q(s->number);
    check(ships.addLine(s->number, "PUMP", std::nullopt, {serial}, false));
    check(ships.addLine(s->number, "SEAL", 2'000, {}, false));
    TrackSpec ready;
    check(ships.track(s->number, ready));
  };
  ship("shipment1", "Mill Oy", "SN-5");
  ship("shipment2", "Mill Ab", "SN-6");
  for (const char* to : {"WH2", "WH3"}) {
    auto sent = move(MoveKind::transit_out, "SEAL", "WH1", "", 3'000);  // into TRANSIT; `to` says where on arrival
    if (check(sent)) seeded_[QStringLiteral("transfer") + to[2]] = q(sent->number);
  }
  // Stock taken where the ledger holds none: the server raises negative_stock.
  check(move(MoveKind::issue, "SEAL", "WH8", "", 2'000, {}, true));
  check(move(MoveKind::issue, "SEAL", "WH9", "", 2'000, {}, true));
  if (!problem.isEmpty()) return problem;
  opened->reset();
  for (int round = 0; round < 2; ++round)  // the second pulls what the checks raised
    if (auto e = syncOffice(); !e.isEmpty()) return e;
  auto again = Node::open(path);
  if (!again) return q(again.error().message);
  auto raised = Exceptions(**again).list(false);
  if (!raised) return q(raised.error().message);
  for (const auto& x : *raised)
    if (x.kind == "negative_stock")
      seeded_[x.subjects.find("WH8") != std::string::npos ? "exception1" : "exception2"] = q(x.number);
  if (!seeded_.contains("exception1") || !seeded_.contains("exception2"))
    return QStringLiteral("the server raised no negative_stock exceptions for WH8 and WH9");
  return {};
}

}  // namespace fieldsync::test
