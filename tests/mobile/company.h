// A company for the app's tests: a server on 127.0.0.1:0 in a thread of its
// own, an office node (an administrator's) that has set up a realistic
// branch, and devices enrolled to it: apps (mobile::App) and CLI nodes
// (the fieldsync program). Handed to QML as `company`. GUI thread only.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <memory>
#include <thread>

#include "mobile/app.h"
#include "server/server.h"
#include "support/temp_dir.h"

namespace fieldsync::test {

class Company : public QObject {
  Q_OBJECT
  // What the office made, by name: case1, case2 (alice's), shipment1,
  // shipment2 (dan's), transfer2, transfer3 (WH1 to WH2, WH3 via transit),
  // exception1, exception2 (negative stock at WH8, WH9).
  Q_PROPERTY(QVariantMap seeded MEMBER seeded_ CONSTANT)
 public:
  explicit Company(QObject* parent = nullptr);
  ~Company() override;
  bool ok() const { return error_.isEmpty(); }
  QString error() const { return error_; }

  Q_INVOKABLE QString ticket(const QString& role, const QString& person = {});
  // A new app on `device`.db; `role` given: enrolled (and synced once) before it opens.
  Q_INVOKABLE fieldsync::mobile::App* app(const QString& device, const QString& role = {},
                                          const QString& person = {});
  Q_INVOKABLE void close(fieldsync::mobile::App* app);
  // `fieldsync --json --db device.db ARGS...`: its output, or "exit N: " and its error output.
  Q_INVOKABLE QString cli(const QString& device, const QStringList& args);
  // Enrolled and synced once.
  Q_INVOKABLE QString enrollCli(const QString& device, const QString& role, const QString& person = {});
  Q_INVOKABLE QString exportOf(const QString& device);  // the node's canonical export
  Q_INVOKABLE QString syncOffice();                     // "" when it worked
  Q_INVOKABLE QString pngFile();                        // a drawn signature for the CLI
  Q_INVOKABLE void stopServer();
  Q_INVOKABLE void startServer();
  Q_INVOKABLE QString dbPath(const QString& device) const;

 private:
  QString seed();
  TempDir dir_;
  std::unique_ptr<server::Server> server_;
  std::thread serving_;
  std::uint16_t port_ = 0;
  QVariantMap seeded_;
  QString error_;
};

}  // namespace fieldsync::test
