// Runs the event loop until `done()` or `ms` passed; whether it is done.
#pragma once

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

namespace fieldsync::test {

template <class F>
bool waitFor(F done, int ms = 20'000) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > ms) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(5);
  }
  return true;
}

}  // namespace fieldsync::test
