// A1: the app's GUI event loop while it works. fieldsync-mobile runs its
// screens (offscreen, at tablet size) for a warehouse device of a branch
// with 1,000 items in stock; a timer on the GUI thread ticks every 2 ms and
// each tick's lateness is the loop's latency. Measured while the app pulls
// 10,000 ops (goods receipts made on another device) and while its 1,000-row
// lists refresh, beside the same app idle in the same run (docs/app.md).
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>
#include <filesystem>
#include <thread>

#include "bench/bench.h"
#include "bench/local_server.h"
#include "mobile/app.h"
#include "node/catalogue.h"
#include "node/stock.h"

Q_IMPORT_QML_PLUGIN(FieldsyncPlugin)

namespace fieldsync::bench {
namespace {

// Lateness of a 2 ms timer on the GUI thread, in ms, while it runs.
class LoopProbe {
 public:
  LoopProbe() {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(kTickMs);
    QObject::connect(&timer_, &QTimer::timeout, [this] {
      const double now = static_cast<double>(clock_.nsecsElapsed()) / 1e6;
      samples_.push_back(std::max(0.0, now - last_ - kTickMs));
      last_ = now;
    });
  }
  void start() {
    samples_.clear();
    clock_.start();
    last_ = 0;
    timer_.start();
  }
  std::vector<double> stop() {
    timer_.stop();
    return samples_;
  }

 private:
  static constexpr int kTickMs = 2;
  QTimer timer_;
  QElapsedTimer clock_;
  double last_ = 0;
  std::vector<double> samples_;
};

// Runs the GUI event loop until `done` or `timeout_s`.
template <class F>
void pump(F&& done, double timeout_s) {
  QElapsedTimer t;
  t.start();
  while (!done() && static_cast<double>(t.elapsed()) < timeout_s * 1000)
    QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
}

QObject* findNamed(QQuickItem* item, const QString& name) {
  if (item->objectName() == name) return item;
  for (auto* child : item->childItems())
    if (auto* f = findNamed(child, name)) return f;
  return nullptr;
}

double maxOf(const std::vector<double>& v) { return v.empty() ? NAN : *std::max_element(v.begin(), v.end()); }

}  // namespace

std::vector<Row> appLatency(const Options& o) {
  const int items = o.quick ? 200 : 1'000, ops_wanted = o.quick ? 2'000 : 10'000, refreshes = o.quick ? 5 : 20;
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  static int argc = 1;
  static char name[] = "fieldsync-bench";
  static char* argv[] = {name, nullptr};
  static auto* gui = new QGuiApplication(argc, argv);  // never destroyed: Qt's exit routines outlive the workload
  (void)gui;
  QQuickStyle::setStyle(QStringLiteral("Material"));

  LocalServer s(o.dir + "/a1-server");
  auto office = s.device(o.dir + "/a1-office.db");
  // The warehouse device: enrolled empty, so that everything below reaches it by a pull.
  const std::string hand = o.dir + "/a1-hand.db";
  auto ticket = s.server->enrollToken("bench", "warehouse", "", 3'600'000, "127.0.0.1", s.port);
  if (!ticket) die(ticket.error().message);
  if (auto ok = node::enroll(hand, *ticket); !ok) die(ok.error().message);

  node::Catalogue cat(*office);
  node::Stock stock(*office);
  if (!cat.addLocation({"WH1", "Warehouse 1", node::LocationKind::warehouse, "", false, "bench"}))
    die("A1: location");
  for (int i = 0; i < items; ++i)
    if (!cat.addItem({"ITEM-" + std::to_string(i), "Item " + std::to_string(i), false, 0, 5'000})) die("A1: item");
  for (int i = 0; *office->ownSeq() < static_cast<std::uint64_t>(ops_wanted); ++i) {
    node::MoveSpec m;
    m.kind = node::MoveKind::receipt;
    m.item = "ITEM-" + std::to_string(i % items);
    m.to = "WH1";
    m.qty = 1'000;
    if (auto r = stock.move(m); !r) die("A1: " + r.error().message);
  }
  const std::uint64_t ops = *office->ownSeq();

  mobile::App app(QString::fromStdString(hand));
  QQmlApplicationEngine engine;
  engine.setInitialProperties({{QStringLiteral("app"), QVariant::fromValue(&app)}});
  engine.load(QUrl(QStringLiteral("qrc:/Fieldsync/Main.qml")));
  if (engine.rootObjects().isEmpty()) die("A1: the app's screens did not load");
  auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
  window->resize(1280, 800);
  pump([&] { return app.property("online").toBool() && app.property("refreshes").toInt() >= 1; }, 30);
  if (!app.property("online").toBool()) die("A1: the app did not connect: " + app.property("syncError").toString().toStdString());
  if (auto* tabs = findNamed(window->contentItem(), QStringLiteral("tabs"))) tabs->setProperty("currentIndex", 1);  // stock

  LoopProbe probe;
  probe.start();
  pump([] { return false; }, o.quick ? 1 : 3);
  const auto idle = probe.stop();

  // The office pushes; the app pulls at its next round and its lists refresh.
  std::thread push([&] {
    auto session = node::SyncSession::connect(*office, o.dir + "/a1-office.db", std::chrono::seconds(60));
    if (!session || !(*session)->round()) die("A1: the office's push failed");
    (*session)->close();
  });
  push.join();
  probe.start();
  QElapsedTimer pull_clock;
  pull_clock.start();
  app.syncNow();
  pump([&] { return app.balances()->count() == items; }, 120);
  const double pull_s = static_cast<double>(pull_clock.elapsed()) / 1000;
  const auto pulling = probe.stop();
  if (app.balances()->count() != items) die("A1: the app did not receive every balance");

  int refreshed = 0;
  auto counter = QObject::connect(&app, &mobile::App::refreshed, [&] { ++refreshed; });
  probe.start();
  for (int i = 0; i < refreshes; ++i) {
    const int want = refreshed + 1;
    app.refresh();
    pump([&] { return refreshed >= want; }, 30);
  }
  const auto refreshing = probe.stop();
  QObject::disconnect(counter);

  const std::string w = "A1 app, " + std::to_string(items) + " balances";
  const std::string pull_label = "pull of " + std::to_string(ops) + " ops";
  return {
      {w, "GUI loop worst latency, " + pull_label, maxOf(pulling), "ms", "idle app, worst", maxOf(idle)},
      {w, "GUI loop p99 latency, " + pull_label, percentile(pulling, 0.99), "ms", "idle app, p99", percentile(idle, 0.99)},
      {w, "GUI loop worst latency, " + std::to_string(refreshes) + " refreshes of every list", maxOf(refreshing), "ms",
       "idle app, worst", maxOf(idle)},
      {w, "GUI loop p99 latency, refreshes", percentile(refreshing, 0.99), "ms", "idle app, p99",
       percentile(idle, 0.99)},
      {w, pull_label + " until the stock list shows them", pull_s, "s", "", NAN},
  };
}

}  // namespace fieldsync::bench
