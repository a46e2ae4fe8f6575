// fieldsync-mobile: the app for technicians, warehouse staff, drivers and
// supervisors (README, "The app"). One window; the screens of the role the
// device is enrolled for.
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLocale>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QStandardPaths>
#include <QTranslator>
#include <QtQml/qqmlextensionplugin.h>
#include <cstdio>
#include <string_view>

#include "mobile/app.h"

Q_IMPORT_QML_PLUGIN(FieldsyncPlugin)

namespace {
constexpr const char* kUsage =
    "fieldsync-mobile: the fieldsync app for technicians, warehouse staff, drivers and supervisors.\n"
    "Works offline; syncs with the server of its enrollment whenever it is reachable.\n"
    "\n"
    "Usage: fieldsync-mobile [--db FILE]\n"
    "  --db FILE   the node database (default: $FIELDSYNC_DB, else fieldsync.db in the\n"
    "              user's application data folder); a new one asks for an enrollment string\n"
    "  -h, --help  print this help and exit\n"
    "\n"
    "Needs a display (or QT_QPA_PLATFORM=offscreen); the language follows the system locale\n"
    "(Polish and English).\n";
}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)  // before the GUI starts, so --help works without a display
    if (const std::string_view a = argv[i]; a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  QGuiApplication gui(argc, argv);  // takes Qt's own options (-platform, -style, ...) out of argv
  QString path = qEnvironmentVariable("FIELDSYNC_DB");
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a != "--db") {
      std::fprintf(stderr, "fieldsync-mobile: unknown argument '%s' (try --help)\n", argv[i]);
      return 2;
    }
    if (i + 1 == argc || std::string_view(argv[i + 1]).empty()) {
      std::fprintf(stderr, "fieldsync-mobile: --db needs the database FILE (try --help)\n");
      return 2;
    }
    path = QString::fromLocal8Bit(argv[++i]);
  }
  QGuiApplication::setApplicationName(QStringLiteral("fieldsync"));
  QGuiApplication::setOrganizationName(QStringLiteral("fieldsync"));
  if (path.isEmpty()) path = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/fieldsync.db";
  QDir().mkpath(QFileInfo(path).absolutePath());
  if (QFileInfo::exists(path)) {  // a file that is not a node's database: say so now, not on a screen
    if (auto n = fieldsync::node::Node::open(path.toStdString()); !n) {
      std::fprintf(stderr, "fieldsync-mobile: --db %s: %s\n", qPrintable(path), n.error().message.c_str());
      return 2;
    }
  }

  QTranslator translator;  // the system's language when we ship it (Polish), else English
  if (translator.load(QLocale(), QStringLiteral("fieldsync"), QStringLiteral("_"), QStringLiteral(":/i18n")))
    QGuiApplication::installTranslator(&translator);

  QQuickStyle::setStyle(QStringLiteral("Material"));
  fieldsync::mobile::App app(path);
  QQmlApplicationEngine engine;
  engine.setInitialProperties({{QStringLiteral("app"), QVariant::fromValue(&app)}});
  engine.load(QUrl(QStringLiteral("qrc:/Fieldsync/Main.qml")));
  if (engine.rootObjects().isEmpty()) {
    std::fprintf(stderr, "fieldsync-mobile: the screens could not be loaded\n");
    return 1;
  }
  return QGuiApplication::exec();
}
