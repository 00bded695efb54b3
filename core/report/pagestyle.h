#pragma once
// The printed pages' one style (report page, contact sheets, summary page): colours, type sizes, margins, and
// the unit helper that turns millimetres and points into pixels at a page's resolution. Plain QtGui, any thread.

#include "core/report/reportpage.h"

#include <QColor>
#include <QFont>
#include <QFontMetricsF>
#include <QImage>
#include <QPainter>
#include <QRectF>
#include <QString>

namespace convlens::pagestyle {

inline const QColor kInk(0x1f, 0x23, 0x28);
inline const QColor kMuted(0x5f, 0x66, 0x6d);
inline const QColor kRule(0xd0, 0xd4, 0xd9);
inline const QColor kPanel(0xf3, 0xf4, 0xf6);
inline const QColor kAccent(0x2f, 0x6f, 0xd0);
inline const QColor kTrack(0xe9, 0xec, 0xf0);
inline const QColor kRight(0x1e, 0x8e, 0x3e);  // right, the true class
inline const QColor kWrong(0xc0, 0x39, 0x2b);  // wrong, failed, warnings

// Type sizes in points; 8 pt is the smallest anything is printed at.
constexpr double kTitlePt = 15.0;
constexpr double kSectionPt = 11.0;
constexpr double kBodyPt = 9.0;
constexpr double kSmallPt = 8.0;

// Millimetres on paper.
constexpr double kMarginMm = 15.0;

// Millimetres and points at `dpi`.
struct Units {
    double dpi;
    double mm(double v) const { return pageMm(v, dpi); }
    QFont font(double pt, bool bold = false) const { return pageFont(pt, dpi, bold); }
    double line(double pt, bool bold = false) const { return QFontMetricsF(font(pt, bold)).height(); }
};

// One line of `text` in `rect`, elided to its width.
inline void drawText(QPainter& p, const QRectF& rect, const QString& text, const QFont& font, const QColor& colour,
                     Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter,
                     Qt::TextElideMode elide = Qt::ElideRight)
{
    p.setFont(font);
    p.setPen(colour);
    p.drawText(rect, static_cast<int>(align) | Qt::TextSingleLine,
               QFontMetricsF(font).elidedText(text, elide, rect.width()));
}

// `image` centred in `rect`, its aspect ratio kept; `smooth` off for feature-map tiles (their pixels are values).
inline void drawFitted(QPainter& p, const QRectF& rect, const QImage& image, bool smooth = true)
{
    if (image.isNull() || rect.isEmpty())
        return;
    const QSizeF size = QSizeF(image.size()).scaled(rect.size(), Qt::KeepAspectRatio);
    p.setRenderHint(QPainter::SmoothPixmapTransform, smooth);
    p.drawImage(QRectF(rect.center().x() - size.width() / 2, rect.center().y() - size.height() / 2, size.width(),
                       size.height()),
                image);
}

}  // namespace convlens::pagestyle
