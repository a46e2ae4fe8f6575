// The Qt Quick Test cases of tests/mobile/qml (tst_*.qml): each role's day
// in the app, against a company of its own (company.h) per file.
#include <QQmlContext>
#include <QQmlEngine>
#include <QQuickStyle>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>
#include <cstdio>
#include <memory>

#include "mobile/company.h"

Q_IMPORT_QML_PLUGIN(FieldsyncPlugin)

class Setup : public QObject {
  Q_OBJECT
 public slots:
  void applicationAvailable() { QQuickStyle::setStyle(QStringLiteral("Material")); }
  void qmlEngineAvailable(QQmlEngine* engine) {
    engine->addImportPath(QStringLiteral("qrc:/"));
    company_ = std::make_unique<fieldsync::test::Company>();
    if (!company_->ok()) std::fprintf(stderr, "the company could not be set up: %s\n", qPrintable(company_->error()));
    engine->rootContext()->setContextProperty(QStringLiteral("company"), company_.get());
  }
  void cleanupTestCase() { company_.reset(); }

 private:
  std::unique_ptr<fieldsync::test::Company> company_;
};

QUICK_TEST_MAIN_WITH_SETUP(flows, Setup)

#include "flows_test.moc"
