#pragma once
// The printed pages' one style (report page, compare page, contact sheets, summary page): colours, type sizes,
// margins, the unit helper that turns millimetres and points into pixels at a page's resolution, and the pieces
// every page draws alike (blank page, header, rule, wrapped text) and the one PDF writer.
// Plain QtGui, any thread (text needs a QGuiApplication). Only writePagesPdf can fail: it returns an Error (kind
// Internal) naming the file.

#include "core/common/expected.h"
#include "core/report/reportpage.h"

#include <QColor>
#include <QFont>
#include <QFontMetricsF>
#include <QImage>
#include <QPageLayout>
#include <QPainter>
#include <QRectF>
#include <QSize>
#include <QString>
#include <QStringList>

#include <functional>

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
                     Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter, Qt::TextElideMode elide = Qt::ElideRight)
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

// An A4 page at `dpi` in device pixels, upright or on its side.
QSize a4Pixels(int dpi, QPageLayout::Orientation orientation = QPageLayout::Portrait);

// A white page of `size` pixels that says it is at `dpi` (so a saved PNG prints at its size).
QImage blankPage(QSize size, int dpi);

// A probability as the pages print it: "62.0%", "<0.1%".
QString percent(float probability);

// Greedy word wrap into at most `maxLines` lines; a word wider than the box, and the last line, are elided.
QStringList wrapText(const QString& text, const QFont& font, double width, int maxLines);

// The top line (`kind` left, `right` right, small and muted) and the title below it; returns the y below the
// title. `titleElide` says where a title too long for the line loses characters (file paths: in the middle).
double drawPageHeader(QPainter& p, const Units& u, const QRectF& content, const QString& kind, const QString& title,
                      const QString& right, Qt::TextElideMode titleElide = Qt::ElideRight);

// "Key   value" in the header's body type at `y`, the key in a `keyWidth` column; returns the y below it.
double drawHeaderField(QPainter& p, const Units& u, const QRectF& content, double y, double keyWidth,
                       const QString& key, const QString& value, Qt::TextElideMode elide = Qt::ElideMiddle);

// A hairline across `content` at `y`.
void drawRule(QPainter& p, const Units& u, const QRectF& content, double y);

// Writes `pages` A4 pages to `fileName` at 150 dpi, as the PNG pages are drawn, calling `paint` for each on a
// white page (text and bars stay vectors). Fails when the file cannot be opened or a page added.
using PaintPage = std::function<void(QPainter& painter, const QRectF& page, int dpi, int index)>;
Expected<void> writePagesPdf(const QString& fileName, const QString& title, int pages, const PaintPage& paint,
                             QPageLayout::Orientation orientation = QPageLayout::Portrait);

}  // namespace convlens::pagestyle
