// Each main screen of each role, rendered offscreen at phone (400 x 800)
// and tablet (1280 x 800) size over a company's realistic data, saved as a
// PNG under the build folder (screens/ROLE-SCREEN-WxH.png). A picture must
// not be blank, and the key texts must be on screen: visible items of the
// object tree inside the window, not pixels.
#include <catch2/catch.hpp>

#include <QDir>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSet>
#include <QTranslator>
#include <functional>
#include <memory>

#include "mobile/company.h"
#include "mobile/wait.h"

using namespace fieldsync;
using fieldsync::test::waitFor;

namespace {

// The texts of visible items that lie, at least partly, inside the window.
void textsOn(QQuickItem* item, const QRectF& window, QStringList& out) {
  if (!item->isVisible() || item->opacity() == 0) return;
  const QVariant t = item->property("text");
  if (t.isValid() && !t.toString().isEmpty() && item->width() > 0) {
    const QRectF r = item->mapRectToScene(QRectF(0, 0, item->width(), item->height()));
    if (r.intersects(window)) out << t.toString();
  }
  for (auto* child : item->childItems()) textsOn(child, window, out);
}

// By object name, through both the visual and the object tree.
QObject* find(QObject* root, const QString& name) {
  if (root->objectName() == name) return root;
  if (auto* w = qobject_cast<QQuickWindow*>(root)) return find(w->contentItem(), name);
  for (auto* child : root->children())
    if (auto* f = find(child, name)) return f;
  if (auto* item = qobject_cast<QQuickItem*>(root))
    for (auto* child : item->childItems())
      if (auto* f = find(child, name)) return f;
  return nullptr;
}

void click(QObject* root, const QString& name) {
  QObject* b = find(root, name);
  INFO(name.toStdString());
  REQUIRE(b);
  QMetaObject::invokeMethod(b, "clicked");
}

struct Shot {
  QString name;
  std::function<void(QObject* window)> go;
  QStringList expect;  // each must appear in (a part of) a text on screen
};

// Renders each shot in order on one window and checks it.
void shoot(mobile::App& app, const QString& role, const std::vector<Shot>& shots, QSize size, QTranslator* tr = nullptr) {
  QQmlApplicationEngine engine;
  engine.addImportPath(QStringLiteral("qrc:/"));
  engine.setInitialProperties({{"app", QVariant::fromValue(&app)}});
  engine.load(QUrl(QStringLiteral("qrc:/Fieldsync/Main.qml")));
  REQUIRE(engine.rootObjects().size() == 1);
  auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
  REQUIRE(window);
  window->resize(size);
  REQUIRE(waitFor([&] { return app.property("refreshes").toInt() >= 1 && app.property("enrolled").toBool(); }));
  QDir().mkpath(QStringLiteral(FIELDSYNC_SCREENS_DIR));
  for (const auto& shot : shots) {
    if (shot.go) shot.go(window);
    waitFor([] { return false; }, 400);  // lists load on the worker, then the scene renders
    const QImage image = window->grabWindow();
    REQUIRE(!image.isNull());
    const QString file = QStringLiteral(FIELDSYNC_SCREENS_DIR "/%1-%2%3-%4x%5.png")
                             .arg(role, shot.name, tr ? "-pl" : "")
                             .arg(size.width())
                             .arg(size.height());
    REQUIRE(image.save(file));
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4)
      for (int x = 0; x < image.width(); x += 4) colours.insert(image.pixel(x, y));
    INFO(file.toStdString());
    CHECK(image.size() == size * window->devicePixelRatio());
    CHECK(colours.size() > 8);  // not blank: text, bars and buttons in several colours
    QStringList on;
    textsOn(window->contentItem(), QRectF(QPointF(0, 0), QSizeF(size)), on);
    for (const auto& want : shot.expect) {
      INFO("expected on screen: " << want.toStdString() << "\non screen: " << on.join(" | ").toStdString());
      CHECK(std::any_of(on.begin(), on.end(), [&](const QString& t) { return t.contains(want); }));
    }
  }
}

QString seeded(test::Company& c, const char* key) { return c.property("seeded").toMap()[key].toString(); }

void openScreen(QObject* w, const char* name, const QString& number) {
  QMetaObject::invokeMethod(w, "openScreen", Q_ARG(QVariant, QString(name)), Q_ARG(QVariant, number));
}
void back(QObject* w) { click(w, "backButton"); }
void tab(QObject* w, int index) {
  QObject* tabs = find(w, "tabs");
  REQUIRE(tabs);
  tabs->setProperty("currentIndex", index);
}

const QSize kPhone(400, 800), kTablet(1280, 800);

}  // namespace

TEST_CASE("screens: first start asks for the enrollment string") {
  test::Company company;
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("new"));
  for (QSize size : {kPhone, kTablet}) {
    QQmlApplicationEngine engine;
    engine.setInitialProperties({{"app", QVariant::fromValue(app.get())}});
    engine.load(QUrl(QStringLiteral("qrc:/Fieldsync/Main.qml")));
    REQUIRE(engine.rootObjects().size() == 1);
    auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
    window->resize(size);
    waitFor([] { return false; }, 300);
    QDir().mkpath(QStringLiteral(FIELDSYNC_SCREENS_DIR));
    const QImage image = window->grabWindow();
    REQUIRE(image.save(QStringLiteral(FIELDSYNC_SCREENS_DIR "/first-start-%1x%2.png").arg(size.width()).arg(size.height())));
    QStringList on;
    textsOn(window->contentItem(), QRectF(QPointF(0, 0), QSizeF(size)), on);
    CHECK(on.contains("Enroll"));
    CHECK(on.contains("Set up this device"));
    CHECK(on.contains("Offline"));
  }
}

TEST_CASE("screens: a technician's cases, a case and its sign-off") {
  test::Company company;
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("tablet", "technician", "alice"));
  REQUIRE(app);
  const QString c1 = seeded(company, "case1");
  const std::vector<Shot> shots{
      {"cases", {}, {"My cases", "Scheduled", c1, "Bakery Oy", "Pump leaks at the shaft seal", "Online"}},
      {"case", [&](QObject* w) { openScreen(w, "case", c1); },
       {c1, "Scheduled", "Unit PUMP/SN-1", "under warranty until", "Start work", "Part from my van VAN-ALICE", "Customer sign-off", "History"}},
      {"signoff", [&](QObject* w) { click(w, "signoffButton"); }, {"Sign-off of " + c1, "Sign here", "Save"}},
  };
  for (QSize size : {kPhone, kTablet}) shoot(*app, "technician", shots, size);
}

TEST_CASE("screens: the warehouse's scan field, stock and low stock") {
  test::Company company;
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("hand", "warehouse"));
  REQUIRE(app);
  auto scan = [](QObject* w, std::initializer_list<const char*> codes) {
    QObject* flow = find(w, "scanFlow");
    REQUIRE(flow);
    for (const char* c : codes) QMetaObject::invokeMethod(flow, "scan", Q_ARG(QString, c));
  };
  const std::vector<Shot> shots{
      {"scan", [&](QObject* w) { scan(w, {"WH1", "WH2", "SN-3", "SN-4", "SEAL", "3"}); },
       {"Warehouse", "Receipt", "Transfer", "Count", "Scan items and serials, then confirm", "PUMP", "SN-3, SN-4", "Confirm"}},
      {"stock", [&](QObject* w) { tab(w, 1); }, {"SEAL \u00b7 VAN-ALICE", "FILTER \u00b7 WH2"}},
      {"low-stock", [&](QObject* w) { tab(w, 2); }, {"FILTER \u00b7 WH2", "4 of 10"}},
  };
  // The scan flow starts in receipt mode; the shot above scans a transfer.
  const std::vector<Shot> transfer{{"mode", [&](QObject* w) { click(w, "mode_transfer"); }, {"Scan the location to take the goods from"}}};
  for (QSize size : {kPhone, kTablet}) {
    std::vector<Shot> all = transfer;
    all.insert(all.end(), shots.begin(), shots.end());
    shoot(*app, "warehouse", all, size);
  }
}

TEST_CASE("screens: a driver's deliveries, a shipment and its proof of delivery") {
  test::Company company;
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("phone", "driver", "dan"));
  REQUIRE(app);
  const QString s1 = seeded(company, "shipment1"), s2 = seeded(company, "shipment2");
  for (const char* status : {"dispatched", "out_for_delivery"}) app->track(s2, status, {}, {}, {}, {}, {}, false);
  REQUIRE(waitFor([&] { return app->property("busy").toInt() == 0; }));
  const std::vector<Shot> shots{
      {"deliveries", {}, {"My deliveries", "To deliver", "1. Mill Oy", "2. Mill Ab", s1}},
      {"shipment", [&](QObject* w) { openScreen(w, "shipment", s1); },
       {s1, "Ready", "Dispatch", "PUMP  SN-5", "SEAL", "Tracking"}},
      {"at-the-door", [&](QObject* w) { openScreen(w, "shipment", s2); },
       {s2, "Out for delivery", "Mark what the customer refuses; the rest is delivered.", "Refused",
        "Deliver with signature", "Failed attempt"}},
  };
  for (QSize size : {kPhone, kTablet}) shoot(*app, "driver", shots, size);
}

TEST_CASE("screens: a supervisor's exceptions, one exception and the devices") {
  test::Company company;
  REQUIRE(company.ok());
  std::unique_ptr<mobile::App> app(company.app("desk", "supervisor"));
  REQUIRE(app);
  const QString x1 = seeded(company, "exception1");
  REQUIRE(waitFor([&] { return app->devices()->count() >= 2; }));
  const std::vector<Shot> shots{
      {"exceptions", {}, {"Exceptions (2)", "negative_stock", "SEAL at WH8", x1}},
      {"exception", [&](QObject* w) { openScreen(w, "exception", x1); },
       {x1, "What happened", "Suggested", "Resolve"}},
      {"devices", [&](QObject* w) { back(w); tab(w, 1); }, {"Administrator", "Supervisor", "Last sync"}},
  };
  for (QSize size : {kPhone, kTablet}) shoot(*app, "supervisor", shots, size);
}

TEST_CASE("screens: in Polish when the system's language is Polish") {
  test::Company company;
  REQUIRE(company.ok());
  QTranslator polish;
  REQUIRE(polish.load(QStringLiteral(":/i18n/fieldsync_pl.qm")));
  QCoreApplication::installTranslator(&polish);
  std::unique_ptr<mobile::App> app(company.app("tablet", "technician", "alice"));
  REQUIRE(app);
  const QString c1 = seeded(company, "case1");
  shoot(*app, "technician",
        {{"cases", {}, {"Moje zlecenia", "Zaplanowane", c1}},
         {"case", [&](QObject* w) { openScreen(w, "case", c1); }, {"Rozpocznij pracę", "Historia"}}},
        kPhone, &polish);
  QCoreApplication::removeTranslator(&polish);
}
