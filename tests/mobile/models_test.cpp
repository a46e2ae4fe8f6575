// Each list model of the app over a real node, checked by Qt's
// QAbstractItemModelTester while it loads and refreshes.
#include <catch2/catch.hpp>

#include <QAbstractItemModelTester>
#include <memory>
#include <vector>

#include "mobile/company.h"
#include "mobile/scan_flow.h"
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

  // A refusal keeps the line and says why; forcing records it.
  flow.setMode("issue");
  flow.scan("WH2");
  flow.scan("SEAL");
  flow.scan("500");
  flow.confirm();
  REQUIRE(waitFor([&] { return !flow.property("error").toString().isEmpty(); }));
  CHECK(flow.property("error").toString().contains("SEAL"));
  CHECK(flow.property("canForce").toBool());
  CHECK(flow.lines()->count() == 1);
}
