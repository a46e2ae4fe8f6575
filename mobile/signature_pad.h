// SignaturePad: a signature drawn with a finger (or a mouse), saved as a
// PNG for a proof of delivery or a customer's sign-off (node/attachments.h).
// Strokes are kept as points in item coordinates; toPng() renders them
// black on white at the item's size (at most 1200 x 600 px, well under the
// 4 MiB attachment limit). A tap or a dot is not a signature: the pad is
// `empty` until its strokes are kMinInkPx long in all. GUI thread only.
#pragma once

#include <QByteArray>
#include <QPointF>
#include <QQuickPaintedItem>
#include <QtQml/qqmlregistration.h>
#include <vector>

namespace fieldsync::mobile {

class SignaturePad : public QQuickPaintedItem {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(bool empty READ empty NOTIFY changed)
 public:
  explicit SignaturePad(QQuickItem* parent = nullptr);
  void paint(QPainter* painter) override;
  static constexpr double kMinInkPx = 60;
  bool empty() const { return ink_ < kMinInkPx; }
  Q_INVOKABLE void clear();
  Q_INVOKABLE QByteArray toPng() const;  // empty while empty()

 signals:
  void changed();

 protected:
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void touchEvent(QTouchEvent* e) override;

 private:
  void begin(QPointF p);
  void extend(QPointF p);
  void draw(QPainter& p) const;
  std::vector<std::vector<QPointF>> strokes_;
  double ink_ = 0;  // the strokes' length, px
};

}  // namespace fieldsync::mobile
