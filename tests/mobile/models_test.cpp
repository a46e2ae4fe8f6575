// Each list model of the app over a real node, checked by Qt's
// QAbstractItemModelTester while it loads and refreshes.
#include <catch2/catch.hpp>

#include <QAbstractItemModelTester>
#include <QMouseEvent>
#include <memory>
#include <vector>

#include "mobile/company.h"
#include "mobile/scan_flow.h"
#include "mobile/signature_pad.h"
#include "mobile/wait.h"

using namespace fieldsync;
using fieldsync::test::waitFor;

namespace {

QString roleValue(mobile::RowModel& m, int row, const char* role) { return m.get(row, role).toString(); }

int rowWith(mobile::RowModel& m, const char* role, const QString& value) {
  for (int i = 0; i < m.count(); ++i)
    if (roleValue(m, i, role) == value) return i;
  return -1;
}

QString balanceOf(mobile::RowModel& balances, const QString& item, const QString& location) {
  for (int i = 0; i < balances.count(); ++i)
    if (roleValue(balances, i, "item") == item && roleValue(balances, i, "location") == location)
      return roleValue(balances, i, "qty");
  return {};
}

}  // namespace

TEST_CASE("each list model passes QAbstractItemModelTester while it loads and refreshes") {
  test::Company company;
  INFO(company.error().toStdString());
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("office2", "admin"));
  REQUIRE(app);
  std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
  for (QAbstractItemModel* m : std::initializer_list<QAbstractItemModel*>{
           app->cases(), app->balances(), app->lowStock(), app->shipments(), app->exceptions(), app->devices(),
           app->items(), app->caseHistory(), app->shipmentLines(), app->shipmentTracking()})
    testers.push_back(std::make_unique<QAbstractItemModelTester>(m, QAbstractItemModelTester::FailureReportingMode::Fatal));
  REQUIRE(waitFor([&] { return app->property("refreshes").toInt() >= 1; }));

  CHECK(app->cases()->count() == 2);
  CHECK(roleValue(*app->cases(), 0, "status") == "scheduled");
  CHECK(app->shipments()->count() == 2);
  CHECK(app->shipments()->get(0, "open").toBool());
  CHECK(app->exceptions()->count() == 2);
  CHECK(app->items()->count() == 3);
  const int van = rowWith(*app->balances(), "location", "VAN-ALICE");
  REQUIRE(van >= 0);
  CHECK(roleValue(*app->balances(), van, "qty") == "6");
  CHECK(app->balances()->get(van, "qtyMilli").toLongLong() == 6000);
  // FILTER 4 at WH2 and WH3 under its threshold of 10; SEAL 3 in transit... not a location one counts.
  CHECK(rowWith(*app->lowStock(), "location", "WH2") >= 0);

  const QString c1 = company.property("seeded").toMap()["case1"].toString();
  app->openCase(c1);
  REQUIRE(waitFor([&] { return app->caseHistory()->count() > 0; }));
  CHECK(app->property("caseDetail").toMap()["warrantyEnd"].toString().size() > 0);
  const int before = app->caseHistory()->count();
  app->logWork(c1, "Checked the shaft seal");
  REQUIRE(waitFor([&] { return app->caseHistory()->count() == before + 1; }));
  CHECK(rowWith(*app->caseHistory(), "detail", "Checked the shaft seal") >= 0);

  const QString s1 = company.property("seeded").toMap()["shipment1"].toString();
  app->openShipment(s1);
  REQUIRE(waitFor([&] { return app->shipmentLines()->count() == 2; }));
  CHECK(app->shipmentTracking()->count() == 1);  // ready

  REQUIRE(waitFor([&] { return app->devices()->count() >= 2; }));  // an administrator's device lists every device
  CHECK(rowWith(*app->devices(), "role", "admin") >= 0);
}

TEST_CASE("the scan flow walks location, items and serials, and posts one document per line") {
  test::Company company;
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("hand", "warehouse"));
  REQUIRE(app);
  REQUIRE(waitFor([&] { return app->property("refreshes").toInt() >= 1; }));
  mobile::ScanFlow flow;
  QAbstractItemModelTester tester(flow.lines(), QAbstractItemModelTester::FailureReportingMode::Fatal);
  flow.setProperty("app", QVariant::fromValue(app.get()));
  flow.setMode("transfer");
  flow.scan("nowhere");
  CHECK(flow.property("error").toString().contains("not a location"));
  flow.scan("TRANSIT");
  CHECK(flow.property("error").toString().contains("scan the location it arrives at"));
  flow.scan(" wh1 ");  // scanners send what is printed; codes compare upper-cased and trimmed
  CHECK(flow.property("step").toString() == "target");
  flow.scan("WH1");
  CHECK(flow.property("error").toString().contains("already at WH1"));
  flow.scan("WH2");
  CHECK(flow.property("step").toString() == "items");
  flow.scan("SN-3");  // a known serial: its item's line
  flow.scan("SN-3");
  CHECK(flow.property("error").toString().contains("scanned already"));
  flow.scan("SN-4");
  flow.scan("SEAL");
  flow.scan("SEAL");
  flow.scan("5");  // a number: the selected untracked item's quantity
  REQUIRE(flow.lines()->count() == 2);
  CHECK(flow.lines()->get(0, "qty").toString() == "2");
  CHECK(flow.lines()->get(1, "qty").toString() == "5");
  flow.scan("WH3");
  CHECK(flow.property("error").toString().contains("is a location"));
  REQUIRE(flow.canConfirm());
  flow.confirm();
  REQUIRE(waitFor([&] { return flow.lines()->count() == 0 && flow.canConfirm() == false; }));
  CHECK(flow.property("message").toString().contains("D-"));
  REQUIRE(waitFor([&] { return rowWith(*app->balances(), "location", "WH2") >= 0 && app->property("busy").toInt() == 0; }));

  // Each refused line keeps its own reason; forcing one records that one only.
  flow.setMode("issue");
  flow.scan("WH2");
  flow.scan("SEAL");
  flow.scan("500");
  flow.scan("FILTER");
  flow.scan("100");
  flow.confirm();
  REQUIRE(waitFor([&] { return !flow.property("error").toString().isEmpty() && app->property("busy").toInt() == 0; }));
  INFO(flow.property("error").toString().toStdString());
  CHECK(flow.property("error").toString().contains("Lines not posted: 2"));
  REQUIRE(flow.lines()->count() == 2);
  CHECK(roleValue(*flow.lines(), 0, "error").contains("SEAL"));
  CHECK(roleValue(*flow.lines(), 1, "error").contains("FILTER"));
  CHECK(flow.lines()->get(0, "canForce").toBool());
  CHECK(flow.lines()->get(1, "canForce").toBool());
  flow.force(0);
  REQUIRE(waitFor([&] { return flow.lines()->count() == 1 && app->property("busy").toInt() == 0; }));
  CHECK(roleValue(*flow.lines(), 0, "item") == "FILTER");
  CHECK(roleValue(*flow.lines(), 0, "error").contains("FILTER"));
  REQUIRE(waitFor([&] { return balanceOf(*app->balances(), "SEAL", "WH2") == "-495"; }));
  CHECK(balanceOf(*app->balances(), "FILTER", "WH2") == "4");
}

TEST_CASE("the scan field reads quantities as people type them and refuses what cannot be one") {
  test::Company company;
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("hand", "warehouse"));
  REQUIRE(app);
  REQUIRE(waitFor([&] { return app->property("refreshes").toInt() >= 1; }));
  mobile::ScanFlow flow;
  flow.setProperty("app", QVariant::fromValue(app.get()));
  flow.setMode("receipt");
  flow.scan("WH1");
  flow.scan("SEAL");
  struct Typed {
    const char* text;
    const char* qty;    // the line's quantity after it, or
    const char* error;  // what the error says
  };
  for (const Typed& t : std::initializer_list<Typed>{
           {"2,5", "2.5", ""},
           {"2.5", "2.5", ""},
           {"\u0663", "3", ""},          // Arabic-Indic three
           {"\u0967\u0968", "12", ""},  // Devanagari twelve
           {"-3", "12", "more than 0"},
           {"0", "12", "more than 0"},
           {"99999999999999999999", "12", "SEAL is not tracked by serial"},
           {"1.2345", "12", "SEAL is not tracked by serial"},
       }) {
    INFO(t.text);
    flow.scan(QString::fromUtf8(t.text));
    CHECK(flow.property("error").toString().contains(QString::fromUtf8(t.error)));
    CHECK(roleValue(*flow.lines(), 0, "qty") == t.qty);
  }
  // A new serial of a serial-tracked item: twice is once, with a word; too long is refused at the scan.
  flow.scan("PUMP");
  flow.scan("NEW-77");
  flow.scan("new-77");
  CHECK(flow.property("error").toString().contains("NEW-77 is scanned already"));
  flow.scan(QString(200, QLatin1Char('A')));
  CHECK(flow.property("error").toString().contains("too long"));
  REQUIRE(flow.lines()->count() == 2);
  CHECK(roleValue(*flow.lines(), 1, "serials") == "NEW-77");
  // A count may find none.
  flow.setMode("count");
  flow.scan("WH1");
  flow.scan("SEAL");
  flow.scan("0");
  CHECK(flow.property("error").toString().isEmpty());
  CHECK(roleValue(*flow.lines(), 0, "qty") == "0");
}

TEST_CASE("a case that leaves the device's scope leaves its screens, and held offline work is said") {
  test::Company company;
  REQUIRE(company.ok());
  const auto seeded = company.property("seeded").toMap();
  const QString c1 = seeded["case1"].toString(), c2 = seeded["case2"].toString();
  std::unique_ptr<mobile::App> app(company.app("tablet", "technician", "alice"));
  REQUIRE(app);
  REQUIRE(waitFor([&] { return app->cases()->count() == 2 && app->property("lastSync").toString() != ""; }));

  // Online, case 2 open: the office gives it to bob. Nothing is pulled, the case is dropped.
  QString gone;
  QObject::connect(app.get(), &mobile::App::gone, [&](const QString& m) { gone = m; });
  app->openCase(c2);
  REQUIRE(waitFor([&] { return !app->property("caseDetail").toMap().isEmpty(); }));
  REQUIRE_FALSE(company.cli("office", {"case", "schedule", c2, "--technician", "bob", "--from", "2027-01-05T08:00",
                                 "--to", "2027-01-05T10:00"}).startsWith("exit"));
  REQUIRE(company.syncOffice().isEmpty());
  REQUIRE(waitFor([&] { return app->cases()->count() == 1; }));
  CHECK(rowWith(*app->cases(), "number", c1) == 0);
  REQUIRE(waitFor([&] { return !gone.isEmpty(); }));
  CHECK(gone.contains(c2));
  CHECK(app->property("held").toString().isEmpty());

  // Offline, alice logs work on case 1, which the office meanwhile gives to bob too.
  app.reset();
  REQUIRE_FALSE(company.cli("tablet", {"case", "log", c1, "Replaced the seal"}).startsWith("exit"));
  REQUIRE_FALSE(company.cli("office", {"case", "schedule", c1, "--technician", "bob", "--from", "2027-01-06T10:00",
                                 "--to", "2027-01-06T12:00"}).startsWith("exit"));
  REQUIRE(company.syncOffice().isEmpty());
  app.reset(company.app("tablet"));
  REQUIRE(waitFor([&] { return app->cases()->count() == 0 && !app->property("held").toString().isEmpty(); }));
  CHECK(app->property("held").toString().contains("X-"));
  CHECK(app->property("pending").toInt() == 0);
}

TEST_CASE("a tap on the signature pad is not a signature") {
  mobile::SignaturePad pad;
  pad.setSize({300, 150});
  auto press = [&](QEvent::Type type, QPointF at) {
    QMouseEvent e(type, at, at, Qt::LeftButton, type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::LeftButton,
                  Qt::NoModifier);
    QCoreApplication::sendEvent(&pad, &e);
  };
  press(QEvent::MouseButtonPress, {50, 50});
  press(QEvent::MouseButtonRelease, {51, 50});
  CHECK(pad.empty());
  CHECK(pad.toPng().isEmpty());
  press(QEvent::MouseButtonPress, {20, 40});
  press(QEvent::MouseMove, {120, 90});
  press(QEvent::MouseButtonRelease, {220, 30});
  CHECK_FALSE(pad.empty());
  CHECK(pad.toPng().startsWith("\x89PNG"));
  pad.clear();
  CHECK(pad.empty());
}

TEST_CASE("a refusal reaches the screen that asked, in the app's words, and transit is not offered to move from") {
  test::Company company;
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("desk", "supervisor"));
  REQUIRE(app);
  REQUIRE(waitFor([&] { return app->property("refreshes").toInt() >= 1 && app->exceptions()->count() == 2; }));
  const QStringList locations = app->property("locations").toStringList();
  CHECK(locations.contains("WH2"));
  CHECK_FALSE(locations.contains("TRANSIT"));
  std::vector<std::pair<int, QString>> refused;
  QObject::connect(app.get(), &mobile::App::failed, [&](int t, const QString& m, bool) { refused.emplace_back(t, m); });
  const QString x = company.property("seeded").toMap()["exception1"].toString();
  const int first = app->resolveException(x, "from transit", "", "TRANSIT");
  const int second = app->resolveException(x, "", "", "");
  CHECK(second == first + 1);
  REQUIRE(waitFor([&] { return refused.size() == 2; }));
  CHECK(refused[0].first == first);
  CHECK(refused[0].second.startsWith("transfer-from: TRANSIT is a transit location"));
  CHECK(refused[1].first == second);
  CHECK_FALSE(refused[1].second.contains("--"));
}
