#include "mobile/signature_pad.h"

#include <QBuffer>
#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace fieldsync::mobile {

SignaturePad::SignaturePad(QQuickItem* parent) : QQuickPaintedItem(parent) {
  setAcceptedMouseButtons(Qt::LeftButton);
  setAcceptTouchEvents(true);
  setFillColor(Qt::white);
}

void SignaturePad::draw(QPainter& p) const {
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(Qt::black, 3, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  for (const auto& s : strokes_) {
    if (s.size() == 1) {
      p.drawPoint(s.front());
      continue;
    }
    QPainterPath path(s.front());
    for (std::size_t i = 1; i < s.size(); ++i) path.lineTo(s[i]);
    p.drawPath(path);
  }
}

void SignaturePad::paint(QPainter* painter) { draw(*painter); }

void SignaturePad::clear() {
  strokes_.clear();
  ink_ = 0;
  update();
  emit changed();
}

QByteArray SignaturePad::toPng() const {
  if (empty()) return {};
  const int w = std::clamp(static_cast<int>(width()), 1, 1200), h = std::clamp(static_cast<int>(height()), 1, 600);
  QImage image(w, h, QImage::Format_RGB32);
  image.fill(Qt::white);
  {
    QPainter p(&image);
    draw(p);
  }
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, "PNG");
  return png;
}

void SignaturePad::begin(QPointF p) {
  strokes_.push_back({p});
  update();
}

void SignaturePad::extend(QPointF p) {
  if (strokes_.empty()) return begin(p);
  const bool was_empty = empty();
  const QPointF step = p - strokes_.back().back();
  ink_ += std::hypot(step.x(), step.y());
  strokes_.back().push_back(p);
  update();
  if (was_empty != empty()) emit changed();
}

void SignaturePad::mousePressEvent(QMouseEvent* e) { begin(e->position()); }
void SignaturePad::mouseMoveEvent(QMouseEvent* e) { extend(e->position()); }
void SignaturePad::mouseReleaseEvent(QMouseEvent* e) { extend(e->position()); }

void SignaturePad::touchEvent(QTouchEvent* e) {
  if (e->points().isEmpty()) return;
  const QPointF p = e->points().first().position();
  if (e->type() == QEvent::TouchBegin) begin(p);
  else extend(p);
  e->accept();
}

}  // namespace fieldsync::mobile
